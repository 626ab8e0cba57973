#!/usr/bin/env python3
"""Benchmark (issue 15): how long `ping` takes while deliberately heavy calls run.

Starts the server, sends HEAVY `review_schema` calls on a generated schema of TABLES tables at once,
then a `ping` every INTERVAL ms, each timed from write to reply. Only pings whose reply came before
the last heavy reply count: those ran beside the heavy work. Prints one line of figures.

    python3 scripts/ping_during_heavy.py target/release/backend-engineering-mcp
    python3 scripts/ping_during_heavy.py BINARY --heavy 2   # one heavy call per core on 2 cores

Before calls left the protocol loop, every ping sent during a heavy call waited for it (seconds).
"""

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time


def schema(tables):
    return "".join(
        f"CREATE TABLE t{i} (id int, a text, b text, c int REFERENCES t{max(i - 1, 0)}(id));\n"
        for i in range(tables)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--tables", type=int, default=12000, help="tables in the generated schema")
    parser.add_argument("--heavy", type=int, default=1, help="heavy calls sent at once")
    parser.add_argument("--interval-ms", type=float, default=20.0, help="time between pings")
    parser.add_argument("--max-pings", type=int, default=2000)
    args = parser.parse_args()

    server = subprocess.Popen(
        [args.binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    lock = threading.Lock()
    write_lock = threading.Lock()
    answered = {}  # id -> time of its reply

    def send(message):
        with write_lock:
            server.stdin.write((json.dumps(message) + "\n").encode())
            server.stdin.flush()

    def read_replies():
        for line in server.stdout:
            now = time.perf_counter()
            reply = json.loads(line)
            with lock:
                answered[reply.get("id")] = now

    send({"jsonrpc": "2.0", "id": "init", "method": "initialize",
          "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                     "clientInfo": {"name": "ping-bench", "version": "1"}}})
    threading.Thread(target=read_replies, daemon=True).start()
    while "init" not in answered:
        time.sleep(0.001)

    ddl = schema(args.tables)
    heavy_ids = [f"heavy{i}" for i in range(args.heavy)]
    started = time.perf_counter()
    for heavy_id in heavy_ids:
        send({"jsonrpc": "2.0", "id": heavy_id, "method": "tools/call",
              "params": {"name": "review_schema", "arguments": {"ddl": ddl}}})

    sent = {}
    for n in range(args.max_pings):
        with lock:
            if all(h in answered for h in heavy_ids):
                break
        ping_id = f"ping{n}"
        sent[ping_id] = time.perf_counter()
        send({"jsonrpc": "2.0", "id": ping_id, "method": "ping"})
        time.sleep(args.interval_ms / 1000)
    deadline = time.perf_counter() + 600
    while time.perf_counter() < deadline:
        with lock:
            if all(h in answered for h in heavy_ids) and all(p in answered for p in sent):
                break
        time.sleep(0.01)
    server.stdin.close()
    server.wait(timeout=60)

    last_heavy = max(answered[h] for h in heavy_ids)
    during = sorted(
        (answered[p] - t) * 1000 for p, t in sent.items() if p in answered and answered[p] < last_heavy
    )
    if not during:
        sys.exit("no ping was answered while the heavy calls ran")
    over_50 = sum(1 for ms in during if ms > 50)
    p99 = during[min(len(during) - 1, int(len(during) * 0.99))]
    print(
        f"schema {len(ddl):,} bytes x {args.heavy} heavy call(s): heavy {last_heavy - started:.2f} s; "
        f"{len(during)} pings during it: median {statistics.median(during):.1f} ms, "
        f"p99 {p99:.1f} ms, max {during[-1]:.1f} ms, over 50 ms: {over_50}"
    )


if __name__ == "__main__":
    main()
