"""Starts the analytics API: `make serve [TARGET=duckdb|postgres] [HOST=127.0.0.1] [PORT=8000]`.

    python -m objectiv_dbt.service --target duckdb --port 8000

DuckDB: reads the published snapshot (SNAPSHOT_DIR/current.duckdb) and follows each new one without a
restart. PostgreSQL: the models schema of the POSTGRES_* settings. Binds 127.0.0.1 unless told otherwise.
uvicorn's access log prints method, path and query string, never headers (so never a key).
"""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from objectiv_dbt.publish import current_snapshot
from objectiv_dbt.service.app import create_app
from objectiv_dbt.service.keys import KeyStore
from objectiv_dbt.service.snapshot import DuckDBSnapshots, PostgresWarehouse
from objectiv_dbt.settings import TARGETS, postgres_settings, snapshot_dir

log = logging.getLogger("objectiv_dbt.service")


def build_reader(target: str) -> object:
    if target == "duckdb":
        if current_snapshot() is None:
            log.warning("no published snapshot in %s yet: requests get 503 until `make build` (or `make publish`)",
                        snapshot_dir())
        return DuckDBSnapshots(snapshot_dir())
    return PostgresWarehouse(postgres_settings())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m objectiv_dbt.service", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    keys = KeyStore()
    if not any(record.revoked_at is None for record in keys.records()):
        log.warning("no active API key in %s: create one with `make api-key ROLE=manager NAME=<you>`", keys.path)
    reader = build_reader(arguments.target)
    app = create_app(reader, keys)
    log.info("analytics API on %s: http://%s:%d/analytics/kpis/configs/ (the HTML report: /, docs: /docs)",
             arguments.target, arguments.host, arguments.port)
    try:
        uvicorn.run(app, host=arguments.host, port=arguments.port, log_level="info")
    finally:
        reader.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
