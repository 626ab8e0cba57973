#!/usr/bin/env python3
"""review_schema and squawk side by side on the labelled cases of tests/schema_eval/.

    scripts/compare-squawk.py              # installs squawk-cli if needed, runs both, prints tables
    scripts/compare-squawk.py --ours F     # reuse a SCHEMA_EVAL_OUT file instead of running cargo

squawk (npm `squawk-cli`, pinned below) is installed into .ci/squawk with the npm on PATH; the package
carries its prebuilt binary in the optional dependency @squawk-cli/<platform>, so nothing else is
downloaded. review_schema's results come from `cargo test --test schema_eval` with SCHEMA_EVAL_OUT set,
so both tools see exactly the inputs the test gives (one mapping of a case to the CLI, in the runner).

What squawk is given: the PostgreSQL cases only, the migration (or the ddl script) as one file. squawk
has no notion of a separate current schema, so a case's `schema` is not passed: a table the file does not
create is an existing one, which is squawk's own model of a migration.

squawk runs twice: with its defaults (the headline), and with --assume-in-transaction, the setting for
tools that wrap each migration file in a transaction.

Scoring is the runner's (tests/schema_eval/README.md): recall over expected labels, precision over
expected labels that fired plus forbidden ones that fired; unmentioned rules do not count. For squawk a
label counts only where squawk has a rule for that id (SQUAWK_TO_OURS below, from its catalogue);
labels of our other ids (missing-primary-key, unindexed-foreign-key, redundant-index, ...) are left
out of squawk's figures, and review_schema is shown both on those same comparable labels and on all.
One squawk rule can stand for several of our ids (constraint-missing-not-valid covers CHECK, FOREIGN
KEY and UNIQUE); on a case it counts as the candidates the case expects, else as all its candidates.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections import defaultdict
from pathlib import Path

SQUAWK_VERSION = "2.66.0"
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "schema_eval"
PREFIX = ROOT / ".ci" / "squawk"

# squawk rule name -> our rule ids it stands for. Rules with no counterpart map to nothing and are
# ignored: prefer-robust-stmts, require-statement-timeout, require-enum-value-ordering,
# require-table-schema, ban-drop-not-null, ban-create-domain-with-constraint.
SQUAWK_TO_OURS = {
    "require-concurrent-index-creation": ["blocking-index-build"],
    "require-concurrent-index-deletion": ["blocking-index-drop"],
    "constraint-missing-not-valid": [
        "blocking-check-validation",
        "blocking-foreign-key-validation",
        "blocking-unique-constraint",
    ],
    "adding-foreign-key-constraint": ["blocking-foreign-key-validation"],
    "adding-field-with-default": ["add-column-rewrite"],
    "adding-not-nullable-field": ["blocking-set-not-null"],
    "adding-required-field": ["not-null-without-default"],
    "adding-serial-primary-key-field": ["blocking-unique-constraint"],
    "disallowed-unique-constraint": ["blocking-unique-constraint"],
    "changing-column-type": ["column-type-change"],
    "renaming-column": ["destructive-migration"],
    "renaming-table": ["destructive-migration"],
    "ban-drop-column": ["destructive-migration"],
    "ban-drop-table": ["destructive-migration"],
    "ban-drop-database": ["destructive-migration"],
    "ban-truncate-cascade": ["destructive-migration"],
    "prefer-bigint-over-int": ["int-primary-key"],
    "prefer-bigint-over-smallint": ["int-primary-key"],
    "prefer-identity": ["prefer-identity"],
    "prefer-repack": ["blocking-table-rewrite"],
    "require-concurrent-reindex": ["blocking-table-rewrite"],
    "require-concurrent-partition-detach": ["blocking-table-rewrite"],
    "prefer-text-field": ["varchar-length"],
    "ban-char-field": ["char-type"],
    "prefer-timestamp-tz": ["timestamp-without-time-zone"],
    "transaction-nesting": ["transaction-nesting"],
    "ban-uncommitted-transaction": ["uncommitted-transaction"],
    "ban-concurrent-index-creation-in-transaction": ["concurrent-in-transaction"],
    "identifier-too-long": ["identifier-too-long"],
    "require-lock-timeout": ["missing-lock-timeout"],
    "require-timeout-settings": ["missing-lock-timeout"],
    "ban-duplicate-column-assignments": ["duplicate-column"],
    "ban-alter-domain-with-add-constraint": ["blocking-check-validation"],
}
SQUAWK_IDS = {rule for ids in SQUAWK_TO_OURS.values() for rule in ids}


def say(msg):
    print(f"compare-squawk: {msg}", file=sys.stderr)


def squawk_binary():
    """The pinned squawk, installed into .ci/squawk on first use."""
    exe = PREFIX / "node_modules" / ".bin" / "squawk"
    if exe.exists():
        out = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
        if out.returncode == 0 and SQUAWK_VERSION in out.stdout:
            return exe
    say(f"installing squawk-cli@{SQUAWK_VERSION} into {PREFIX}")
    PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund",
         "--include=optional", f"squawk-cli@{SQUAWK_VERSION}"],
        check=True, stdout=sys.stderr,
    )
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    say(out.stdout.strip())
    return exe


def load_cases():
    cases = []
    for path in sorted(CORPUS.glob("*.toml")):
        for raw in tomllib.loads(path.read_text())["case"]:
            def text(key):
                if key in raw:
                    return raw[key]
                if key + "_file" in raw:
                    return (CORPUS / "schemas" / raw[key + "_file"]).read_text()
                return None
            cases.append({
                "id": raw["id"],
                "family": path.stem,
                "dialect": raw.get("dialect", "postgres"),
                "script": text("migration") or text("ddl"),
                "expect": set(raw["expect"]),
                "forbid": set(raw.get("forbid", [])),
                "at_most": raw.get("at_most", {}),
            })
    return cases


def ours(path):
    """review_schema's fired rules per case: from a file, or by running the test runner."""
    if path is None:
        path = ROOT / "target" / "schema_eval_ours.json"
        say("running cargo test --test schema_eval (review_schema through the binary)")
        env = dict(os.environ, SCHEMA_EVAL_OUT=str(path))
        run = subprocess.run(
            ["cargo", "test", "--quiet", "--test", "schema_eval", "review_schema_meets_thresholds"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        if not Path(path).exists():
            sys.exit(f"the runner wrote no report:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
        if run.returncode != 0:
            say("note: the runner's thresholds failed; its numbers are still compared")
    doc = json.loads(Path(path).read_text())
    return {c["id"]: c["fired"] for c in doc["cases"]}, doc.get("schema_flag", False)


def run_squawk(exe, cases, extra=()):
    """squawk's findings per case id, as {our rule id: count} after the mapping."""
    fired = {}
    with tempfile.TemporaryDirectory(prefix="squawk-eval-") as tmp:
        files = {}
        for case in cases:
            f = Path(tmp) / f"{case['id']}.sql"
            f.write_text(case["script"])
            files[str(f)] = case
        out = subprocess.run(
            [str(exe), "--reporter", "json", *extra, *files.keys()],
            capture_output=True, text=True,
        )
        try:
            findings = json.loads(out.stdout or "[]")
        except json.JSONDecodeError:
            sys.exit(f"squawk printed no JSON (exit {out.returncode}): {out.stderr[:2000]}")
        raw = defaultdict(list)
        for finding in findings:
            raw[finding["file"]].append(finding)
        for name, case in files.items():
            counts = defaultdict(int)
            for finding in raw.get(name, []):
                rule, message = finding["rule_name"], finding.get("message", "")
                if rule == "syntax-error":
                    counts["(syntax-error)"] += 1
                    continue
                candidates = SQUAWK_TO_OURS.get(rule, [])
                if rule == "constraint-missing-not-valid" and "same transaction" in message:
                    candidates = ["validate-in-same-transaction"]
                chosen = [r for r in candidates if r in case["expect"]] or candidates
                for r in chosen:
                    counts[r] += 1
            fired[case["id"]] = dict(counts)
    return fired


def score(case, fired, allowed=None):
    """Per-rule [hit, missed, fp] for one case; `allowed` limits the labels counted."""
    tallies = defaultdict(lambda: [0, 0, 0])
    for rule in case["expect"]:
        if allowed is not None and rule not in allowed:
            continue
        if rule in fired:
            tallies[rule][0] += 1
            limit = case["at_most"].get(rule)
            if limit is not None and fired[rule] > limit:
                tallies[rule][2] += 1
        else:
            tallies[rule][1] += 1
    for rule in case["forbid"]:
        if allowed is not None and rule not in allowed:
            continue
        if rule in fired:
            tallies[rule][2] += 1
    return tallies


def totals(cases, fired_by_case, allowed=None, key=None):
    groups = defaultdict(lambda: [0, 0, 0])
    for case in cases:
        for rule, (hit, missed, fp) in score(case, fired_by_case.get(case["id"], {}), allowed).items():
            name = "all" if key is None else key(case, rule)
            g = groups[name]
            g[0] += hit
            g[1] += missed
            g[2] += fp
    return groups


def ratio(num, den):
    return f"{num / den:.3f}" if den else "  -  "


def line(name, t):
    hit, missed, fp = t
    return f"{hit + missed:>4} {hit:>4} {fp:>3} {ratio(hit, hit + missed):>6} {ratio(hit, hit + fp):>6}"


def table(title, cases, ours_fired, squawk_fired, key):
    a = totals(cases, ours_fired, SQUAWK_IDS, key)
    b = totals(cases, squawk_fired, SQUAWK_IDS, key)
    head = "exp  hit  fp recall  prec."
    print(f"\n{title:<32} | review_schema {head} | squawk {head}")
    for name in sorted(set(a) | set(b)):
        print(f"{name:<32} | {'':13} {line(name, a[name])} | {'':6} {line(name, b[name])}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours", help="a SCHEMA_EVAL_OUT report to use instead of running cargo")
    parser.add_argument("--json", help="also write the summary numbers to this file")
    args = parser.parse_args()

    cases = load_cases()
    pg = [c for c in cases if c["dialect"] == "postgres"]
    exe = squawk_binary()
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout.strip()
    ours_fired, schema_flag = ours(args.ours)
    squawk_fired = run_squawk(exe, pg)
    # The setting for migration tools that wrap each file in a transaction (Rails, Django, Alembic):
    # tables created in the file then count as new, but an explicit BEGIN is reported as nesting.
    squawk_tx = run_squawk(exe, pg, ["--assume-in-transaction"])
    syntax = sorted(c["id"] for c in pg if "(syntax-error)" in squawk_fired.get(c["id"], {}))

    rows = {
        "review_schema, all cases, all labels": totals(cases, ours_fired)["all"],
        "review_schema, PostgreSQL cases, all labels": totals(pg, ours_fired)["all"],
        "review_schema, PostgreSQL, squawk-comparable labels": totals(pg, ours_fired, SQUAWK_IDS)["all"],
        f"{version}, PostgreSQL, squawk-comparable labels": totals(pg, squawk_fired, SQUAWK_IDS)["all"],
        f"{version} --assume-in-transaction, same labels": totals(pg, squawk_tx, SQUAWK_IDS)["all"],
    }
    print(f"{len(cases)} cases ({len(pg)} PostgreSQL); review_schema got the schema as "
          f"{'--schema' if schema_flag else 'a prefix of one script'}; squawk got the migration alone")
    print(f"squawk reported a syntax error on {len(syntax)} case(s): {', '.join(syntax) or '-'}")
    print(f"\n{'':54} {'exp':>4} {'hit':>4} {'fp':>3} {'recall':>6} {'prec.':>6}")
    for name, t in rows.items():
        print(f"{name:<54} {line(name, t)}")
    table("family (comparable labels)", pg, ours_fired, squawk_fired, lambda c, r: c["family"])
    table("rule (comparable labels)", pg, ours_fired, squawk_fired, lambda c, r: r)
    if args.json:
        summary = {
            name: {"expected": t[0] + t[1], "hit": t[0], "false_positives": t[2]}
            for name, t in rows.items()
        }
        Path(args.json).write_text(json.dumps({"squawk": version, "rows": summary}, indent=2))


if __name__ == "__main__":
    main()
