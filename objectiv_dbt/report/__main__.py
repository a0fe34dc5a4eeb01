"""Writes the report: `python -m objectiv_dbt.report --target duckdb --out report.html` (`make report`)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from objectiv_dbt.db import connect, duckdb_read_path, models_schema
from objectiv_dbt.report import render_report
from objectiv_dbt.settings import TARGETS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    parser.add_argument("--out", type=Path, default=Path("report.html"), help="the HTML file to write")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    schema = models_schema(arguments.target)
    source = duckdb_read_path() if arguments.target == "duckdb" else f"PostgreSQL schema {schema}"
    with connect(arguments.target) as connection:  # DuckDB: the published snapshot (make publish) if there is one
        page = render_report(connection, schema)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(page, encoding="utf-8")
    size = arguments.out.stat().st_size / 1e6
    print(f"wrote {arguments.out} ({size:.1f} MB) from {source} in {time.perf_counter() - started:.1f} s; "
          "open it in a browser (works offline)")


if __name__ == "__main__":
    main()
