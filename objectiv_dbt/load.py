"""Load a newline-delimited JSON file of Objectiv events into the collector table layout.

    python -m objectiv_dbt.load PATH [--target duckdb|postgres] [--schema S] [--table T] [--batch-lines N]

PATH is plain NDJSON, or gzip when its name ends in `.gz`. Each line is one of
- a raw tracker event  {"_type", "_types", "id", "time", "location_stack", "global_contexts"}
  (event_id = id, moment = time in ms since epoch UTC, day = its UTC date,
  cookie_id = cookie_id of the first CookieIdContext in global_contexts, value = the whole object);
- a collector row      {"event_id", "day", "moment", "cookie_id", "value"} (columns as they are).
The format is detected per line: a line with any of event_id/day/moment/cookie_id/value is a collector row.

Target: `<schema>.<table>` = data(event_id uuid primary key, day date, moment timestamp, cookie_id uuid,
value json), created with its schema when missing; defaults from `settings.source_table()`.
Lines that are not JSON, not an object, lack or garble a required field, or repeat an event_id seen
earlier in the same file go to `<schema>.<table>_rejects` (file, line_number, reason, line, rejected_at),
upserted on (file, line_number); the other lines still load. The event's content beyond those fields
is not judged here (the dbt models quarantine what they cannot use).
Every load is recorded, in the same transactions as its rows, in the load manifest `<schema>.<table>_loads`
(load_id, file, day, row_count, first_moment, last_moment, loaded_at: one row per written batch and day), from
which incremental dbt runs learn which days received rows late (README, Scheduled runs).

Idempotent: event_id is the key, rows already in the table are skipped and counted as "already loaded".
Memory stays bounded: the file is read in batches of --batch-lines lines (only the set of event_ids
seen in this file, 32 bytes a line, grows with it, to find duplicates).

One validation for both targets: each batch is handed to DuckDB (a DataFrame scan) and checked there
with one JSON parse per line into a STRUCT of just the needed fields. For the DuckDB target that happens
in the target database itself and the good rows are inserted directly; for PostgreSQL an in-memory DuckDB
validates, the good rows are copied into a stage table (binary COPY by DuckDB's postgres extension, or
psycopg2 COPY as the fallback) and moved with `insert ... on conflict (event_id) do nothing`.
Reading, validating and writing run side by side in three threads (see loader/pipeline.py).

The work is done by the modules of objectiv_dbt/loader/; this module is the entry point (load_file, the CLI).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from objectiv_dbt import settings
from objectiv_dbt.errors import disk_message, duckdb_message, first_line
from objectiv_dbt.loader import pipeline
from objectiv_dbt.loader.duckdb_target import DuckDBTarget
from objectiv_dbt.loader.postgres_target import PostgresTarget
from objectiv_dbt.loader.report import DUPLICATE, DUPLICATE_IDENTICAL, NOT_JSON, LoadError, LoadReport

# The reject kinds stay importable from here, as before the split.
__all__ = ["DEFAULT_BATCH_LINES", "DUPLICATE", "DUPLICATE_IDENTICAL", "NOT_JSON"]
__all__ += ["LoadError", "LoadReport", "load_file", "main"]

DEFAULT_BATCH_LINES = 100_000

# Read by load_file at each call (tests change them).
# Up to this many rows in the DuckDB table, look for already loaded event_ids by scanning its event_id column.
_PROBE_MAX_ROWS = 20_000_000
_USE_POSTGRES_EXTENSION = True  # False: psycopg2 COPY of CSV written by DuckDB (the fallback; tests use it)


def load_file(
    path: str | os.PathLike,
    target: str = "duckdb",
    schema: str | None = None,
    table: str | None = None,
    batch_lines: int = DEFAULT_BATCH_LINES,
    duckdb_path: str | os.PathLike | None = None,
    dsn: str | None = None,
    progress: bool | None = None,
) -> LoadReport:
    """Load one NDJSON(.gz) file; see the module docstring. Raises LoadError for a missing file or database.

    duckdb_path / dsn override settings.duckdb_path() / settings.postgres_settings().dsn();
    progress: None = a progress bar when stderr is a terminal.

    Reading, validating and writing overlap: see loader/pipeline.py.
    """
    if target not in settings.TARGETS:
        raise LoadError(f"unknown target {target!r} (choose from {', '.join(settings.TARGETS)})")
    if batch_lines < 1:
        raise LoadError(f"batch lines must be at least 1, not {batch_lines}")
    source = Path(path).resolve()
    if not source.exists():
        raise LoadError(f"no such file: {path} (`make demo-data` writes one; or pass EVENTS=path/to/events.ndjson)")
    if not source.is_file():
        raise LoadError(f"not a file: {path}")
    try:
        size = source.stat().st_size
        open(source, "rb").close()
    except OSError as error:
        raise LoadError(f"cannot read {path}: {error.strerror}") from None
    names = settings.source_table(schema, table)
    started = time.monotonic()
    if target == "duckdb":
        db_path = Path(duckdb_path).resolve() if duckdb_path else settings.duckdb_path()
        try:
            sink: DuckDBTarget | PostgresTarget = DuckDBTarget(db_path, names.schema, names.table, _PROBE_MAX_ROWS)
        except (duckdb.Error, OSError) as error:
            raise LoadError(duckdb_message(error, db_path)) from None
    else:
        sink = PostgresTarget(
            dsn or settings.postgres_settings().dsn(), names.schema, names.table, _USE_POSTGRES_EXTENSION
        )
    report = LoadReport(file=str(source), target=target, table=sink.describe())
    try:
        pipeline.run(
            source, size, sink, report, batch_lines, sys.stderr.isatty() if progress is None else progress
        )
    except (duckdb.Error, OSError) as error:  # e.g. the disk filled up: what was committed stays
        _close_quietly(sink)
        raise LoadError(_load_failure(error, db_path if target == "duckdb" else None)) from None
    except BaseException:
        _close_quietly(sink)
        raise
    sink.close()
    report.seconds = time.monotonic() - started
    report.check()
    return report


def _close_quietly(sink: DuckDBTarget | PostgresTarget) -> None:
    """Close after a failure, without letting a second error (a full disk again) hide the first."""
    try:
        sink.close()
    except Exception:
        pass


def _load_failure(error: BaseException, db_path: Path | None) -> str:
    """One line for an error of the DuckDB file (db_path) or, loading into PostgreSQL, of the temporary files."""
    if db_path is not None:
        return duckdb_message(error, db_path)
    temp = Path(tempfile.gettempdir())
    return disk_message(error, temp) or f"{type(error).__name__}: {first_line(error)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m objectiv_dbt.load",
        description="Load a newline-delimited JSON file (.gz: gzip) of Objectiv events into the collector table.",
    )
    parser.add_argument("path", help="NDJSON file of raw tracker events or collector rows (gzip if it ends in .gz)")
    parser.add_argument("--target", choices=settings.TARGETS, default="duckdb")
    parser.add_argument("--schema", help="schema of the table (default: dbt var source_schema)")
    parser.add_argument("--table", help="table name (default: dbt var source_table); rejects go to TABLE_rejects")
    parser.add_argument("--batch-lines", type=int, default=DEFAULT_BATCH_LINES, help="lines per batch (default 100000)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    try:
        report = load_file(
            args.path,
            target=args.target,
            schema=args.schema,
            table=args.table,
            batch_lines=args.batch_lines,
            progress=False if args.no_progress else None,
        )
    except LoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except duckdb.Error as error:
        print(f"error: DuckDB: {first_line(error)}", file=sys.stderr)
        return 1
    except Exception as error:  # a database refusing a statement (rights, a table of another layout, ...)
        if type(error).__module__.startswith("psycopg2"):
            print(f"error: PostgreSQL: {first_line(error)}", file=sys.stderr)
            return 1
        raise
    except KeyboardInterrupt:
        print("\ninterrupted (batches loaded so far stay loaded; loading again is safe)", file=sys.stderr)
        return 130
    print(report.format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
