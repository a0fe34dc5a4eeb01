"""Checks `make build` runs before dbt, so that the usual problems are one clear line instead of dbt's traceback:

    python -m objectiv_dbt.preflight --target duckdb|postgres [--after-failure]

DuckDB: the file's disk is writable and not full, and no other process holds the file. PostgreSQL: the server
accepts the login. Exit status 1 with `error: ...` on stderr, 0 (silent) when all is well. --after-failure (the
Makefile calls it when dbt failed) runs the same checks to name the cause, and always exits 1.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import duckdb
import psycopg2

from objectiv_dbt.errors import disk_message, duckdb_message, postgres_message
from objectiv_dbt.settings import TARGETS, duckdb_path, postgres_settings

MIN_FREE_BYTES = 16 << 20  # below this a build cannot even write its first table


def duckdb_problem(path: Path) -> str | None:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".{path.name}.preflight"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        return disk_message(error, path) or f"cannot write {path}: {error.strerror}"
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        return (f"no space left on the disk of {path} ({free >> 20} MB free): free some space (or set DUCKDB_PATH "
                "to another disk) and run the command again")
    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error as error:
        return duckdb_message(error, path)
    return None


def postgres_problem() -> str | None:
    dsn = postgres_settings().dsn()
    try:
        psycopg2.connect(dsn, connect_timeout=10).close()
    except psycopg2.OperationalError as error:
        return postgres_message(error, dsn)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m objectiv_dbt.preflight", description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    parser.add_argument("--after-failure", action="store_true", help="dbt failed: name the cause if it is one of these")
    arguments = parser.parse_args(argv)
    problem = duckdb_problem(duckdb_path()) if arguments.target == "duckdb" else postgres_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    return 1 if arguments.after_failure else 0


if __name__ == "__main__":
    sys.exit(main())
