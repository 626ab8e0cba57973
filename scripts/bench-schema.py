#!/usr/bin/env python3
"""Benchmark of review_schema on generated pg_dump-shaped schemas (100 KB, 1 MiB, 4 MiB) plus a
migration against them: wall time and peak resident memory of the release CLI `review-schema`, and
of one MCP `tools/call` over stdio whose request line stays under the 4 MiB line cap.

Usage: scripts/bench-schema.py [BINARY] [--quick]   (default target/release/backend-engineering-mcp;
--quick: 10 KB to 200 KB inputs, to check the script itself on a debug build)
Needs /usr/bin/time (Debian's `time` package). Prints a Markdown table for docs/BENCHMARKS.md.
"""

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

LINE_CAP = 4 * 1024 * 1024  # src/mcp/stdio.rs MAX_LINE_BYTES


def table(k: int) -> str:
    """One table as pg_dump writes it: the table, its sequence, key, indexes, foreign keys, comment."""
    t = f"public.t{k}"
    s = [
        f"CREATE TABLE {t} (\n"
        "    id bigint NOT NULL,\n"
        "    account_id bigint NOT NULL,\n"
        "    parent_id bigint,\n"
        "    name text NOT NULL,\n"
        "    email character varying(255),\n"
        "    status smallint DEFAULT 0 NOT NULL,\n"
        "    amount_cents bigint DEFAULT 0 NOT NULL,\n"
        "    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,\n"
        "    created_at timestamp with time zone DEFAULT now() NOT NULL,\n"
        "    updated_at timestamp with time zone\n"
        ");\n",
        f"COMMENT ON TABLE {t} IS 'generated table {k}';\n",
        f"CREATE SEQUENCE {t}_id_seq\n    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n"
        "    NO MAXVALUE\n    CACHE 1;\n",
        f"ALTER SEQUENCE {t}_id_seq OWNED BY {t}.id;\n",
        f"ALTER TABLE ONLY {t} ALTER COLUMN id SET DEFAULT nextval('{t}_id_seq'::regclass);\n",
        f"ALTER TABLE ONLY {t}\n    ADD CONSTRAINT t{k}_pkey PRIMARY KEY (id);\n",
        f"CREATE UNIQUE INDEX t{k}_account_email_key ON {t} USING btree (account_id, email);\n",
        f"CREATE INDEX t{k}_account_created_idx ON {t} USING btree (account_id, created_at);\n",
        f"CREATE INDEX t{k}_active_idx ON {t} USING btree (created_at) WHERE (status = 1);\n",
        f"ALTER TABLE ONLY {t}\n    ADD CONSTRAINT t{k}_account_fkey FOREIGN KEY (account_id) "
        "REFERENCES public.accounts(id);\n",
    ]
    if k > 0:
        s.append(f"CREATE INDEX t{k}_parent_idx ON {t} USING btree (parent_id) WHERE (parent_id IS NOT NULL);\n")
        s.append(
            f"ALTER TABLE ONLY {t}\n    ADD CONSTRAINT t{k}_parent_fkey FOREIGN KEY (parent_id) "
            f"REFERENCES public.t{k - 1}(id) ON DELETE CASCADE;\n"
        )
    if k % 50 == 0:
        s.append(
            f"CREATE FUNCTION public.touch_t{k}() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\n"
            "BEGIN\n  NEW.updated_at := now();  -- a semicolon inside the body\n  RETURN NEW;\nEND;\n$$;\n"
        )
        s.append(f"CREATE VIEW public.v{k} AS\n SELECT id, name FROM {t} WHERE (status = 1);\n")
    s.append("\n")
    return "".join(s)


def schema(size: int) -> str:
    out = [
        "--\n-- PostgreSQL database dump\n--\n\n",
        "SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET client_encoding = 'UTF8';\n",
        "SELECT pg_catalog.set_config('search_path', '', false);\n\n",
        "CREATE TABLE public.accounts (\n    id bigint NOT NULL,\n    name text NOT NULL\n);\n",
        "ALTER TABLE ONLY public.accounts\n    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);\n\n",
    ]
    n = sum(map(len, out))
    k = 0
    while n < size:
        t = table(k)
        out.append(t)
        n += len(t)
        k += 1
    return "".join(out)


def migration(tables: int) -> str:
    """A migration touching existing tables: the hazards a reviewer would flag, and safe forms."""
    s = ["SET lock_timeout = '5s';\n"]
    for k in range(0, tables, max(1, tables // 10))[:10]:
        t = f"public.t{k}"
        s += [
            f"ALTER TABLE {t} ADD COLUMN archived_at timestamp with time zone;\n",
            f"ALTER TABLE {t} ADD COLUMN region text NOT NULL;\n",
            f"CREATE INDEX t{k}_region_idx ON {t} (region);\n",
            f"CREATE INDEX CONCURRENTLY t{k}_archived_idx ON {t} (archived_at);\n",
            f"ALTER TABLE {t} ALTER COLUMN email SET NOT NULL;\n",
            f"ALTER TABLE {t} ADD CONSTRAINT t{k}_amount_check CHECK (amount_cents >= 0) NOT VALID;\n",
            f"ALTER TABLE {t} VALIDATE CONSTRAINT t{k}_amount_check;\n",
        ]
    return "".join(s)


def timed(cmd, stdin_bytes=None):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS KiB, stdout bytes, status,
    CPU seconds: user + system, which load on a shared machine does not inflate)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        p = subprocess.run(
            ["/usr/bin/time", "-v", "-o", tf.name] + cmd,
            input=stdin_bytes,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        report = tf.read()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", report)
    secs = float(wall.group(3)) + 60 * int(wall.group(2)) + 3600 * int(wall.group(1) or 0)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1))
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", report).group(1)) for k in ("User", "System"))
    return secs, rss, p.stdout, p.returncode, cpu


def mcp_request(schema_text: str, migration_text: str) -> bytes:
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "bench", "version": "1"}}}
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "review_schema",
                       "arguments": {"schema": schema_text, "migration": migration_text}}}
    return "\n".join(json.dumps(m) for m in (init, note, call)).encode() + b"\n"


def mcp_sized(target: int, mig: str) -> tuple[str, bytes]:
    """The largest generated schema whose tools/call line fits under the line cap."""
    size = target
    while True:
        s = schema(size)
        line = mcp_request(s, mig).split(b"\n")[2]
        if len(line) < LINE_CAP:
            return s, mcp_request(s, mig)
        size -= len(line) - LINE_CAP + 16 * 1024


def best_of(runs, fn):
    results = [fn() for _ in range(runs)]
    return min(results, key=lambda r: r[0])


def main():
    args = [a for a in sys.argv[1:] if a != "--quick"]
    quick = "--quick" in sys.argv[1:]
    binary = args[0] if args else "target/release/backend-engineering-mcp"
    sizes = (("10 KB", 10_000), ("50 KB", 50_000), ("100 KB", 100_000)) if quick else (
        ("100 KB", 100_000), ("1 MiB", 1 << 20), ("4 MiB", 4 << 20))
    if not os.path.exists("/usr/bin/time"):
        sys.exit("needs /usr/bin/time (apt-get install time)")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; binary: {binary}")
    print()
    print("| input | schema bytes | statements | via | wall (best of 3) | CPU user+sys | peak RSS | findings |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        for label, size in sizes:
            s = schema(size)
            tables = s.count("CREATE TABLE public.t")
            mig = migration(tables)
            sp, mp = os.path.join(d, "schema.sql"), os.path.join(d, "migration.sql")
            open(sp, "w").write(s)
            open(mp, "w").write(mig)
            stmts = s.count(";\n") + mig.count(";\n")
            secs, rss, out, rc, cpu = best_of(3, lambda: timed(
                [binary, "review-schema", "--schema", sp, "--format", "json", mp]))
            if rc != 0:
                sys.exit(f"{label}: review-schema exited {rc}")
            findings = len(json.loads(out)["findings"])
            print(f"| {label} | {len(s):,} | {stmts:,} | CLI | {secs * 1000:,.0f} ms | {cpu * 1000:,.0f} ms | {rss / 1024:,.0f} MiB | {findings:,} |")
        # One MCP call: the largest schema that fits the stdio line cap.
        s, req = mcp_sized(200_000, migration(100)) if quick else mcp_sized(4 << 20, migration(4000))
        stmts = s.count(";\n")

        def mcp():
            secs, rss, out, rc, cpu = timed([binary, "stdio"], req)
            replies = [json.loads(l) for l in out.splitlines() if l.strip()]
            reply = next(r for r in replies if r.get("id") == 2)
            if "error" in reply or reply["result"].get("isError"):
                sys.exit(f"MCP call failed: {str(reply)[:300]}")
            body = reply["result"].get("structuredContent") or json.loads(reply["result"]["content"][0]["text"])
            return secs, rss, len(body["findings"]), len(out), cpu

        secs, rss, findings, reply_bytes, cpu = best_of(3, mcp)
        line = len(req.split(b"\n")[2])
        print(f"| {line / 1048576:.2f} MiB request line | {len(s):,} | {stmts:,} | MCP stdio (process start to exit) "
              f"| {secs * 1000:,.0f} ms | {cpu * 1000:,.0f} ms | {rss / 1024:,.0f} MiB | {findings:,} (reply {reply_bytes / 1048576:.1f} MiB) |")


if __name__ == "__main__":
    main()
