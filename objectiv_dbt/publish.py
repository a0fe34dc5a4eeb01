"""Publishes the DuckDB build as a read-only snapshot that BI tools, the CLIs and the KPI service read while the
next build writes: `make publish` (run by `make build` after every successful DuckDB build).

DuckDB allows one writer per file and a reader holding the file blocks `dbt run`. So readers never open the
build file: every published table is copied into a new file `<SNAPSHOT_DIR>/<version>.duckdb`, and only when
it is complete does the symlink `current.duckdb` switch to it (a new link renamed over the old one: atomic).
A reader opening `current.duckdb` gets one whole build, and keeps it while later builds publish. The current
and the previous snapshot are kept (a reader may still hold the previous one); older ones are deleted.

Published: every table and view of the models schema except the internal layers (base_, stg_, int_), i.e.
the marts, metric_buckets_5min, kpi_definitions, the ML and Python-model tables; and the quarantined events.
Views are published as tables (a snapshot cannot read the build file). The table snapshot_info says when.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from objectiv_dbt.settings import duckdb_path, snapshot_dir

CURRENT = "current.duckdb"
MODELS_SCHEMA = "main"
INTERNAL_PREFIXES = ("base_", "stg_", "int_")
ALSO_PUBLISHED = ("stg_objectiv__quarantined_events",)
VERSION = re.compile(r"^\d{8}T\d{12}Z\.duckdb$")
VERSION_FORMAT = "%Y%m%dT%H%M%S%fZ"


class PublishError(Exception):
    """Publishing failed for a reason the user can act on (one line)."""


def current_snapshot(directory: Path | None = None) -> Path | None:
    """The published snapshot readers should open now (the file `current.duckdb` points to), if any."""
    link = (directory or snapshot_dir()) / CURRENT
    try:
        target = os.readlink(link)
    except (FileNotFoundError, OSError):
        return None
    return link.parent / target


def snapshot_published_at(name: str) -> datetime:
    """When a snapshot was published (UTC), from its file name (`<version>.duckdb`)."""
    return datetime.strptime(name.removesuffix(".duckdb"), VERSION_FORMAT).replace(tzinfo=UTC)


def is_published(name: str) -> bool:
    return (not name.startswith(INTERNAL_PREFIXES) or name in ALSO_PUBLISHED) and "__dbt_" not in name


def _published_relations(connection: duckdb.DuckDBPyConnection) -> list[str]:
    rows = connection.execute("""
        select table_name from information_schema.tables
        where table_catalog = 'warehouse' and table_schema = ?
        order by table_name""", [MODELS_SCHEMA]).fetchall()
    return [name for (name,) in rows if is_published(name)]


def _copy_tables(warehouse: Path, partial: Path) -> list[str]:
    """Copies every published relation of the build file into a new DuckDB file; returns their names."""
    try:
        connection = duckdb.connect(str(partial))
    except duckdb.Error as error:
        raise PublishError(f"cannot create {partial}: {error}") from error
    try:
        try:
            connection.execute(f"attach '{warehouse}' as warehouse (read_only)")
        except duckdb.IOException as error:
            raise PublishError(f"{warehouse} is being written (a dbt run?): publish when it has finished "
                               f"({str(error).splitlines()[0]})") from error
        names = _published_relations(connection)
        if "metric_buckets_5min" not in names:
            raise PublishError(f"{warehouse} has no metric_buckets_5min: run `make build` first")
        for name in names:
            connection.execute(f'create table {MODELS_SCHEMA}."{name}" as select * from warehouse.{MODELS_SCHEMA}."{name}"')
        connection.execute(f"""
            create table {MODELS_SCHEMA}.snapshot_info as
            select now()::timestamp as published_at, ? as warehouse_path, ? as published_tables""",
                           [str(warehouse), names])
        connection.execute("detach warehouse")
        connection.execute("checkpoint")
    finally:
        connection.close()
    return names


def _switch_current(directory: Path, snapshot: Path) -> None:
    """Points current.duckdb at the snapshot: a new relative symlink renamed over the old one (atomic)."""
    temporary = directory / f".{CURRENT}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    os.symlink(snapshot.name, temporary)
    os.replace(temporary, directory / CURRENT)
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _prune(directory: Path, keep: int = 2) -> list[Path]:
    """Deletes the snapshots older than the newest `keep` ones (current and previous) and unfinished files.
    A reader still holding a deleted file keeps reading it (the file lives on until it is closed)."""
    current = current_snapshot(directory)
    versions = sorted(path for path in directory.iterdir() if VERSION.match(path.name))
    removed = [path for path in versions[:-keep] if path != current] + sorted(directory.glob(".*.partial"))
    for path in removed:
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
    return removed


def publish(warehouse: Path | None = None, directory: Path | None = None) -> Path:
    """Publishes the build file as a new snapshot and makes it current; returns the snapshot's path."""
    warehouse = warehouse or duckdb_path()
    directory = directory or snapshot_dir()
    if not warehouse.exists():
        raise PublishError(f"no DuckDB file at {warehouse}: run `make run` (or `make load` and `make build`) first")
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".publish.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one publisher at a time (pruning must not race a copy)
        version = datetime.now(UTC).strftime(VERSION_FORMAT)
        snapshot = directory / f"{version}.duckdb"
        partial = directory / f".{version}.duckdb.partial"
        try:
            _copy_tables(warehouse, partial)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, snapshot)
        _switch_current(directory, snapshot)
        _prune(directory)
    return snapshot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m objectiv_dbt.publish", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    try:
        snapshot = publish()
    except PublishError as error:
        print(f"publish: {error}", file=sys.stderr)
        return 1
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        tables = connection.execute("select len(published_tables) from main.snapshot_info").fetchone()[0]
    print(f"Published {tables} tables: {snapshot.parent / CURRENT} -> {snapshot.name} (BI tools: open it read-only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
