"""Scheduled runs (issue 6): incremental runs after each of 10 chunks of data equal a full refresh, on both engines.

Generated events are cut into 10 chunks of consecutive lines. The generator already writes some events a few
hundred lines late; on top of that 1 % of every chunk's lines move to the next chunk (days late) and each
chunk is shuffled, so chunks hold events older than what earlier chunks loaded, and sessions span chunks.
After loading each chunk `dbt run` runs incrementally; then every table model (intermediate, marts, ML and
Python models) must equal what `dbt run --full-refresh` builds from the same data, apart from the audit
column dbt_updated_at. Also with identity resolution (cookies identified in a later chunk move to their
identity; funnels by user with every option), and with the backfill bound (a first run done in steps).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from compare import AUDIT_COLUMN
from warehouse import Warehouse

from objectiv_dbt.generate import write_events
from objectiv_dbt.settings import PROJECT_DIR

EVENTS = 50_000
SEED = 606
CHUNKS = 10
MOVED_TO_NEXT_CHUNK = 0.01
# identity resolution moves events to other users: funnels by user, with every option, see that too
IDENTITY_VARS = {"identity_resolution": "email", "anonymize_unidentified": True, "funnel_partition": "user",
                 "funnel_steps": 4, "funnel_start_from_end": True, "funnel_only_converted_paths": "github_press",
                 "funnel_n_examples": 40}


def table_models() -> list[str]:
    """Every model built as a table (or incrementally): all but the staging views."""
    sql = [path for folder in ("intermediate", "marts", "ml") for path in (PROJECT_DIR / "models" / folder).rglob("*.sql")]
    python = (PROJECT_DIR / "python_models").rglob("*.py")
    return sorted(path.stem for path in [*sql, *python])


def line_moment(line: str) -> datetime | None:
    try:
        milliseconds = json.loads(line).get("time")
        return datetime.fromtimestamp(milliseconds / 1000, timezone.utc)
    except (ValueError, TypeError, AttributeError, OverflowError):
        return None


@dataclass
class Chunks:
    lines: list[list[str]]
    late_events: int  # events older than the newest event of the chunks before theirs
    lookback_minutes: int  # covers the latest of them

    def write(self, folder: Path) -> list[Path]:
        paths = []
        for number, lines in enumerate(self.lines, 1):
            path = folder / f"chunk_{number:02}.ndjson"
            path.write_text("".join(lines))
            paths.append(path)
        return paths


def cut(lines: list[str], chunks: int, seed: int) -> Chunks:
    rng = random.Random(seed)
    size = math.ceil(len(lines) / chunks)
    parts = [lines[start:start + size] for start in range(0, len(lines), size)]
    for number in range(len(parts) - 1):
        moved = set(rng.sample(range(len(parts[number])), int(len(parts[number]) * MOVED_TO_NEXT_CHUNK)))
        parts[number + 1] += [line for index, line in enumerate(parts[number]) if index in moved]
        parts[number] = [line for index, line in enumerate(parts[number]) if index not in moved]
    for part in parts:
        rng.shuffle(part)
    late, lateness, newest = 0, 0.0, None
    for part in parts:
        moments = [moment for moment in map(line_moment, part) if moment]
        if newest:
            behind = [(newest - moment).total_seconds() / 60 for moment in moments if moment < newest]
            late += len(behind)
            lateness = max([lateness, *behind])
        newest = max([newest, *moments]) if newest else max(moments)
    return Chunks(parts, late, math.ceil(lateness) + 60)


@pytest.fixture(scope="module")
def chunks(tmp_path_factory) -> Chunks:
    path = tmp_path_factory.mktemp("incremental_data") / "events.ndjson"
    write_events(path, events=EVENTS, seed=SEED)
    return cut(path.read_text().splitlines(keepends=True), CHUNKS, SEED)


def snapshot(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    return {name: warehouse.query(f"select * from {{schema}}.{name}").drop(columns=[AUDIT_COLUMN], errors="ignore")
            for name in table_models()}


def canonical_rows(frame: pd.DataFrame) -> list[tuple]:
    """The rows as sorted tuples of text, floats to 12 significant digits (sums may add in another order)."""
    def text(value: object) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "NULL"
        if isinstance(value, float):
            return f"{value:.12g}"
        return str(value)
    return sorted(tuple(text(value) for value in row) for row in frame.astype(object).itertuples(index=False))


def assert_same_tables(incremental: dict[str, pd.DataFrame], full: dict[str, pd.DataFrame]) -> None:
    for name, frame in full.items():
        assert list(incremental[name].columns) == list(frame.columns), name
        got, wanted = canonical_rows(incremental[name]), canonical_rows(frame)
        assert len(got) == len(wanted), f"{name}: {len(got)} rows incremental, {len(wanted)} full"
        assert got == wanted, f"{name}: {sum(1 for g, w in zip(got, wanted) if g != w)} rows differ"


def sessions_spanning_chunks(warehouse: Warehouse, chunk_of_event: dict[str, int]) -> int:
    events = warehouse.query("select cast(event_id as varchar) as event_id, session_id from {schema}.events")
    events["chunk"] = events["event_id"].map(chunk_of_event)
    return int((events.groupby("session_id")["chunk"].nunique() > 1).sum())


def chunk_of_each_event(chunks: Chunks) -> dict[str, int]:
    found = {}
    for number, lines in enumerate(chunks.lines):
        for line in lines:
            try:
                found.setdefault(str(json.loads(line).get("id")), number)
            except (ValueError, AttributeError):
                continue
    return found


def run_chunks(warehouse: Warehouse, paths: list[Path], vars: dict) -> None:
    for path in paths:
        warehouse.load(path)
        warehouse.run_all(vars=vars)


@pytest.mark.parametrize("options", [{}, IDENTITY_VARS], ids=["cookies", "identity_resolution"])
def test_incremental_runs_equal_full_refresh(new_warehouse, chunks, tmp_path, options):
    assert chunks.late_events > 100, "chunks must hold events older than earlier chunks"
    parts = chunks if not options else Chunks(chunks.lines[:4], chunks.late_events, chunks.lookback_minutes)
    vars = {"incremental_lookback_minutes": chunks.lookback_minutes, **options}
    warehouse = new_warehouse()
    run_chunks(warehouse, parts.write(tmp_path), vars)
    incremental = snapshot(warehouse)
    warehouse.run_all("--full-refresh", vars=vars)
    full = snapshot(warehouse)
    spanning = sessions_spanning_chunks(warehouse, chunk_of_each_event(parts))
    assert spanning > 10, "sessions must span chunks"
    assert len(full["events"]) > 0.95 * sum(map(len, parts.lines))
    assert len(full["funnel_paths"]) > 50
    assert_same_tables(incremental, full)


def test_backfill_bound_builds_in_steps(new_warehouse, chunks, tmp_path):
    """backfill_days_per_run 2: the first runs each stage two more days of a 9-day load, the unstaged-rows test
    warning (not failing, in a backfill) with the rows still to stage; the result equals a full refresh."""
    warehouse = new_warehouse()
    path = tmp_path / "events.ndjson"
    path.write_text("".join(line for part in chunks.lines[:3] for line in part))
    warehouse.load(path)
    staged, warnings = [], []
    backfill = {"backfill_days_per_run": 2}
    for _ in range(6):
        warehouse.run_all(vars=backfill)
        staged.append(int(warehouse.query("select count(*) as n from {schema}.base_objectiv__events")["n"][0]))
        warnings.append(warehouse.dbt("test", "--select", "source_rows_not_staged", vars=backfill))
    source_rows = int(warehouse.query("select count(*) as n from {raw}.data")["n"][0])
    assert staged[0] < staged[1] < staged[2] < staged[3] < source_rows, staged
    assert staged[-1] == source_rows
    # the test's own result line (the summary also counts the on-run-start hook)
    assert f"WARN {source_rows - staged[0]} source_rows_not_staged" in warnings[0]
    assert "PASS source_rows_not_staged" in warnings[-1]
    incremental = snapshot(warehouse)
    warehouse.run_all("--full-refresh")
    assert_same_tables(incremental, snapshot(warehouse))
