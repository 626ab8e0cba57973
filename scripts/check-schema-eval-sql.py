#!/usr/bin/env python3
"""Check that the SQL of tests/schema_eval/ is real SQL: run every case on a real engine.

    eval "$(scripts/ci-postgres.sh)" && scripts/check-schema-eval-sql.py

PostgreSQL cases run with psql in a fresh database each (PGHOST/PGPORT/PGUSER from ci-postgres.sh):
the schema must apply without any error, and neither the schema nor the migration may contain a syntax
error. Other errors in a migration are expected and only counted: a migration-only case alters tables
it does not create, and some bad forms fail by design (a duplicate column, CONCURRENTLY inside a
transaction). SQLite cases run in an in-memory sqlite3 database, schema then script, and must have no
syntax error. MySQL cases are not run (no MySQL server here). Exit 1 when a check fails.
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "schema_eval"


def text(raw, key):
    if key in raw:
        return raw[key]
    if key + "_file" in raw:
        return (CORPUS / "schemas" / raw[key + "_file"]).read_text()
    return ""


def psql(db, sql):
    return subprocess.run(
        ["psql", "-X", "-q", "-d", db, "-v", "ON_ERROR_STOP=0"],
        input=sql, text=True, capture_output=True,
    )


def errors(stderr):
    return [line for line in stderr.splitlines() if "error" in line.lower()]


def main():
    if not os.environ.get("PGHOST"):
        sys.exit('PGHOST is not set: run eval "$(scripts/ci-postgres.sh)" first')
    admin = os.environ.get("PGDATABASE", "bem")
    failures, expected_errors, checked = [], 0, 0
    for path in sorted(CORPUS.glob("*.toml")):
        for raw in tomllib.loads(path.read_text())["case"]:
            dialect = raw.get("dialect", "postgres")
            schema, script = text(raw, "schema"), text(raw, "migration") + text(raw, "ddl")
            if dialect == "postgres":
                db = "eval_" + re.sub("[^a-z0-9]", "_", raw["id"].lower())[:50]
                psql(admin, f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db};")
                try:
                    s = psql(db, schema) if schema else None
                    m = psql(db, script)
                finally:
                    psql(admin, f"DROP DATABASE IF EXISTS {db};")
                schema_errors = errors(s.stderr) if s else []
                script_errors = errors(m.stderr)
                syntax = [e for e in schema_errors + script_errors if "syntax error" in e]
                if schema_errors or syntax:
                    failures.append(f"{raw['id']}: {' | '.join(schema_errors + syntax)[:300]}")
                expected_errors += bool(script_errors)
                checked += 1
            elif dialect == "sqlite":
                run = subprocess.run(["sqlite3", ":memory:"], input=schema + "\n" + script,
                                     text=True, capture_output=True)
                syntax = [e for e in errors(run.stderr) if "syntax error" in e]
                if syntax:
                    failures.append(f"{raw['id']}: {' | '.join(syntax)[:300]}")
                checked += 1
    print(f"{checked} cases run; {expected_errors} PostgreSQL migrations stopped at an expected error "
          f"(a table they do not create, or the failure the bad form is about)")
    for line in failures:
        print(f"FAIL {line}")
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
