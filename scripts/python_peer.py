#!/usr/bin/env python3
"""The Python peer for the HTTP benchmark: the official `mcp` SDK's MCPServer (FastMCP, renamed in
mcp 2) serving one tool, `search_references`, over streamable HTTP in stateless JSON mode: the same
skill's reference sections, searched with plain BM25 over their words, the best section returned in
full and the next ones as their first lines.

It is a baseline for throughput and memory, not a second implementation to keep in step: it reads
references/*.md from this checkout at start-up and has no stemming, synonyms or snippets.

    python scripts/python_peer.py --port 8799        (needs `pip install mcp==2.3.0`)
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter
from pathlib import Path

import uvicorn
from mcp.server.mcpserver import MCPServer

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[a-z0-9]+")
K1, B = 1.2, 0.75


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


class Section:
    def __init__(self, reference: str, title: str, text: str) -> None:
        self.reference = reference
        self.title = title
        self.text = text
        self.terms = Counter(words(title + " " + text))
        self.length = sum(self.terms.values())


def load_sections() -> list[Section]:
    """Every H2/H3 section of the seven references, as the Rust index splits them."""
    sections = []
    for path in sorted((ROOT / "references").glob("*.md")):
        title, lines = None, []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## ") or line.startswith("### "):
                if title is not None:
                    sections.append(Section(path.stem, title, "\n".join(lines)))
                title, lines = line.lstrip("#").strip(), [line]
            elif title is not None:
                lines.append(line)
        if title is not None:
            sections.append(Section(path.stem, title, "\n".join(lines)))
    return sections


SECTIONS = load_sections()
AVERAGE = sum(s.length for s in SECTIONS) / len(SECTIONS)
DF = Counter(term for s in SECTIONS for term in s.terms)


def bm25(query: list[str], section: Section) -> float:
    score = 0.0
    for term in query:
        tf = section.terms.get(term, 0)
        if tf:
            idf = math.log(1 + (len(SECTIONS) - DF[term] + 0.5) / (DF[term] + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * section.length / AVERAGE))
    return score


mcp = MCPServer("python-peer", log_level="WARNING")


@mcp.tool()
def search_references(query: str, limit: int = 5) -> str:
    """Search the backend-engineering reference sections; the best one in full, then the next ones."""
    terms = set(words(query))
    limit = max(1, min(limit, 20))
    ranked = sorted(SECTIONS, key=lambda s: bm25(terms, s), reverse=True)[:limit]
    out = []
    for rank, section in enumerate(ranked, 1):
        head = f"{rank}. {section.reference} > {section.title}"
        body = section.text if rank == 1 else "\n".join(section.text.splitlines()[1:4])
        out.append(f"{head}\n\n{body}")
    return "\n\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    app = mcp.streamable_http_app(stateless_http=True, json_response=True, host=args.host)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
