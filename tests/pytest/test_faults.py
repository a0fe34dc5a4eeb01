"""Faults (issue 15), on each engine: a load killed half way (SIGKILL) and run again leaves every line loaded
exactly once; a `dbt build` killed half way and run again gives exactly what a full build gives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import reference
from test_incremental import assert_same_tables, snapshot
from warehouse import DBT
from objectiv_dbt.generate import write_events
from objectiv_dbt.settings import PROJECT_DIR

LOAD_EVENTS = 60_000
BUILD_EVENTS = 5_000
# the loader commits every 122,880 lines; a smaller group makes many commits, so a kill lands between them
SMALL_COMMITS = ("import sys; from objectiv_dbt.loader import pipeline; pipeline._WRITE_ROWS = 5_000;"
                 " from objectiv_dbt import load; sys.exit(load.main(sys.argv[1:]))")


def wait_until(condition, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, "the process ended before it could be killed half way"
        assert time.monotonic() < deadline, "the process made no progress in time"
        time.sleep(0.05)


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def source_rows(warehouse) -> tuple[int, int]:
    counts = warehouse.query("select count(*) as n, count(distinct event_id) as ids from {raw}.data")
    return int(counts["n"][0]), int(counts["ids"][0])


def raw_tables(warehouse) -> list[str]:
    tables = warehouse.query("select table_name from information_schema.tables where table_schema = '{raw}'")
    return sorted(tables["table_name"])


def loaded_some(warehouse) -> bool:
    """Rows are committed (DuckDB: the file grew past its empty size; its lock keeps readers out)."""
    if warehouse.engine == "duckdb":
        return warehouse.duckdb_file.exists() and warehouse.duckdb_file.stat().st_size > 1 << 20
    try:
        return source_rows(warehouse)[0] > 0
    except Exception:  # the table is not created yet
        return False


def test_killed_load_then_load_again(new_warehouse, tmp_path):
    path = tmp_path / "events.ndjson"
    write_events(path, events=LOAD_EVENTS, seed=77)
    expected_rows, rejected = reference.read_lines(path)
    warehouse = new_warehouse()
    command = [sys.executable, "-c", SMALL_COMMITS, str(path), "--target", warehouse.engine,
               "--schema", warehouse.raw_schema, "--batch-lines", "2500", "--no-progress"]
    loader = subprocess.Popen(command, cwd=PROJECT_DIR, env=warehouse.env(), start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: loaded_some(warehouse), loader, 120)
    kill(loader)
    after_kill, _ = source_rows(warehouse)
    assert 0 < after_kill < len(expected_rows), "killed half way"
    if warehouse.engine == "postgres":
        assert any("_loading_" in name for name in raw_tables(warehouse)), "the killed loader left its stage table"

    report = warehouse.load(path)
    assert (report.already_loaded, report.inserted, report.rejected) == (
        after_kill, len(expected_rows) - after_kill, rejected)
    assert source_rows(warehouse) == (len(expected_rows), len(expected_rows))
    ids = set(warehouse.query("select cast(event_id as varchar) as id from {raw}.data")["id"])
    assert ids == {row["event_id"] for row in expected_rows}
    assert int(warehouse.query("select count(*) as n from {raw}.data_rejects")["n"][0]) == rejected
    if warehouse.engine == "postgres":  # the killed loader's stage table is gone, and so is this one's
        assert raw_tables(warehouse) == ["data", "data_loads", "data_rejects"]


def dbt_build_process(warehouse) -> subprocess.Popen:
    """`dbt build` on the warehouse's engine, as Warehouse.dbt runs it, but in the background."""
    command = [str(DBT), "build", "--target", warehouse.engine,
               "--vars", yaml.safe_dump({"source_schema": warehouse.raw_schema}, default_flow_style=True),
               "--log-path", str(warehouse.workdir / "logs"),
               "--target-path", str(warehouse.workdir / f"target_{warehouse.engine}")]
    return subprocess.Popen(command, cwd=PROJECT_DIR, env=warehouse.env(), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_killed_build_then_build_again(new_warehouse, tmp_path):
    path = tmp_path / "events.ndjson"
    write_events(path, events=BUILD_EVENTS, seed=78)
    warehouse = new_warehouse()
    warehouse.load(path)
    build = dbt_build_process(warehouse)
    created: list[str] = []

    def models_done() -> bool:  # reads dbt's output line by line until enough models are built
        line = build.stdout.readline()
        if " OK created " in line:
            created.append(line)
        return len(created) >= 12

    wait_until(models_done, build, 300)
    kill(build)
    assert any("base_objectiv__events" in line for line in created)
    assert not any("funnel_paths" in line or "kpi_values_daily" in line for line in created), "killed half way"

    warehouse.dbt("build")
    if warehouse.engine == "postgres":
        warehouse.dbt("build", "--select", "path:python_models+", target="postgres_python")
    after_rerun = snapshot(warehouse)
    warehouse.run_all("--full-refresh")
    full = snapshot(warehouse)
    assert len(full["events"]) > 0.95 * BUILD_EVENTS
    assert_same_tables(after_rerun, full)
