"""Funnel discovery (python_models/funnel, model-hub-semantics 5): hand-computed rules and parity with pandas.

1. The rules, by hand: the Python models' own code runs on small hand-made tables in an in-memory DuckDB,
   called the way dbt-duckdb calls it (`model(dbt, session)` with `dbt.ref` returning relations and the vars
   passed as JSON config), so every path rule has an expectation written out below.
2. Parity: on both engines the parity data set is built by dbt (PostgreSQL: `dbt build --target postgres`,
   then the Python models with `--target postgres_python`, DuckDB attached to the same database) and the
   three tables are compared exactly with an independent pure-Python implementation of section 5, for the
   default vars, for two runs with every option switched on and for a run whose location is a slice of the
   stack (the tables are rebuilt with default vars afterwards).

Helpers used by test_logistic_regression.py too: python_models_dbt, python_model_types_match.
"""

from __future__ import annotations

import importlib.util
import json
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from objectiv_dbt.settings import PROJECT_DIR
from reference import with_sliced_location

FUNNEL_DIR = PROJECT_DIR / "python_models" / "funnel"
CONVERSION_NAME = "github_press"  # the project's default conversion: a PressEvent on a LinkContext github
CONVERSION_ELEMENT = {"_type": "LinkContext", "id": "github"}
WHOLE_STACK = "feature_nice_name"
DEFAULTS = {"funnel_steps": 3, "funnel_partition": "session", "funnel_location": WHOLE_STACK, "funnel_event_type": None,
            "funnel_start_from_end": False, "funnel_only_converted_paths": None, "funnel_n_examples": None}
OPTION_RUNS = {
    "from_end_by_user": {"funnel_steps": 4, "funnel_partition": "user", "funnel_event_type": "PressEvent",
                         "funnel_start_from_end": True, "funnel_only_converted_paths": CONVERSION_NAME,
                         "funnel_n_examples": 40},
    "converted_by_session": {"funnel_steps": 4, "funnel_partition": "session", "funnel_event_type": "InteractiveEvent",
                             "funnel_start_from_end": False, "funnel_only_converted_paths": CONVERSION_NAME,
                             "funnel_n_examples": 6},
    # the model hub's location_stack=df.location_stack.json[{'_type': 'ContentContext'}:]
    "content_slice_by_user": {"funnel_partition": "user", "funnel_location": {"from_type": "ContentContext"}},
}


# --- running the Python models: in dbt on either engine, or directly on hand-made tables ------------------

def python_models_dbt(warehouse, *args: str, vars: dict | None = None) -> str:
    """A dbt command for the Python models of a warehouse: on DuckDB the usual target; on PostgreSQL the
    postgres_python target (DuckDB attached to the warehouse's database, writing into its schema)."""
    return warehouse.dbt(*args, vars=vars, target="postgres_python" if warehouse.engine == "postgres" else None)


def python_model_types_match(warehouse, model_yaml: Path) -> None:
    """dbt cannot enforce contracts on Python models: compare the built table's columns with the YAML instead."""
    same = {"varchar": "text", "character varying": "text", "double": "double precision", "int": "integer",
            "int4": "integer", "int8": "bigint", "timestamp without time zone": "timestamp"}
    model = yaml.safe_load(model_yaml.read_text())["models"][0]
    schema = warehouse.models_schema
    catalog = "" if warehouse.engine == "duckdb" else f"and table_catalog = '{warehouse.postgres.dbname}'"
    got = warehouse.query(f"select column_name, data_type from information_schema.columns where table_schema = "
                          f"'{schema}' and table_name = '{model['name']}' {catalog}")
    got_types = {name: same.get(kind.lower(), kind.lower()) for name, kind in got.itertuples(index=False)}
    for column in model["columns"]:
        assert got_types.get(column["name"]) == column["data_type"], (model["name"], column["name"], got_types)


def load_model(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeDbt:
    """What dbt-duckdb hands a Python model: `ref` as a relation on the session, vars as JSON config text."""

    is_incremental = False

    def __init__(self, session: duckdb.DuckDBPyConnection, config: dict, tables: dict[str, str]):
        self.session, self.tables = session, tables
        self.config = self
        self._values = {key: json.dumps(value) for key, value in config.items()}

    def get(self, key):
        return self._values.get(key)

    def __call__(self, **kwargs):  # dbt.config(materialized=...)
        return None

    def ref(self, name: str) -> duckdb.DuckDBPyRelation:
        return self.session.query(f"select * from {self.tables.get(name, name)}")


def run_funnel(events: pd.DataFrame, conversions: pd.DataFrame | None = None, changed: list[str] | None = None,
               locations: dict[str, str] | None = None, **options) -> pd.DataFrame:
    """funnel_paths.py on hand-made events (and int_conversion_events rows) in an in-memory DuckDB. changed:
    an incremental run after these events (by name) changed. locations: funnel_location set, and the view
    int_funnel_located_events gives these events (by name) these locations, the others none."""
    session = duckdb.connect()
    session.execute("create table events (event_id uuid, user_id varchar, session_id varchar, moment timestamp, "
                    "feature_nice_name varchar, stack_event_types varchar[], dbt_updated_at timestamp)")
    session.register("events_frame", events)
    session.execute("insert into events select cast(event_id as uuid), user_id, session_id, moment, feature_nice_name, "
                    "stack_event_types, timestamp '2024-04-01' from events_frame")
    session.execute("create table int_conversion_events (event_id uuid, conversion_name varchar, is_conversion_event boolean)")
    if conversions is not None:
        session.register("conversions_frame", conversions)
        session.execute("insert into int_conversion_events select cast(event_id as uuid), conversion_name, "
                        "is_conversion_event from conversions_frame")
    if locations is not None:
        session.execute("create table locations (event_id uuid, location varchar)")
        session.executemany("insert into locations values (?, ?)",
                            [(event_uuid(name), location) for name, location in locations.items()])
        # a view, as in the project: it shows the events' updates
        session.execute("create view int_funnel_located_events as select events.event_id, session_id, user_id, "
                        "location, stack_event_types, moment, dbt_updated_at from events left join locations "
                        "on events.event_id = locations.event_id")
        options["location"] = {"from_type": "OverlayContext"}
    settings = {"steps": 3, "partition": "session", "location": WHOLE_STACK, "event_type": None,
                "start_from_end": False, "only_converted_paths": None, "n_examples": None,
                "conversion_names": [CONVERSION_NAME, "purchase"], **options}
    dbt = FakeDbt(session, settings, {})
    if changed:
        session.execute("update events set dbt_updated_at = timestamp '2024-04-02' where event_id in "
                        f"({', '.join(repr(event_uuid(name)) for name in changed)})")
        session.execute("create table previous_paths as select timestamp '2024-04-01' as dbt_updated_at")
        dbt.is_incremental, dbt.this = True, "previous_paths"
    paths = load_model(FUNNEL_DIR / "funnel_paths.py").model(dbt, session)
    session.execute("create table funnel_paths as select * from paths")
    top = load_model(FUNNEL_DIR / "funnel_top_paths.py").model(FakeDbt(session, {}, {}), session)
    session.execute("create table funnel_top_paths as select * from top")
    links = load_model(FUNNEL_DIR / "funnel_sankey_links.py").model(FakeDbt(session, {}, {}), session)
    return {"paths": paths.df(), "top": top.df(), "links": links.df()}


# --- 1. the rules, by hand --------------------------------------------------------------------------------

T0 = datetime(2024, 3, 1, 12, 0, 0)
PRESS = ["AbstractEvent", "InteractiveEvent", "PressEvent"]
VISIBLE = ["AbstractEvent", "NonInteractiveEvent", "VisibleEvent"]


def event_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def hand_events() -> pd.DataFrame:
    """Sessions s1..s5 (users u1: s1, s2; u2: s3, s4; u3: s5), one line per event: (event, session, user,
    seconds after T0, nice name, ancestry)."""
    rows = [
        # s1: e1 and e2 at the same moment: ordered by nice name, A (e2) before B (e1)
        ("e1", "s1", "u1", 0, "B", PRESS), ("e2", "s1", "u1", 0, "A", PRESS),
        ("e3", "s1", "u1", 10, "C", PRESS), ("e4", "s1", "u1", 20, "D", PRESS),
        # s2: a single event
        ("e5", "s2", "u1", 5000, "X", PRESS),
        # s3: an event without nice name is no location: P, Q
        ("e6", "s3", "u2", 0, "P", PRESS), ("e7", "s3", "u2", 10, None, PRESS), ("e8", "s3", "u2", 20, "Q", PRESS),
        # s4: conversions (G) at positions 2 and 4
        ("e9", "s4", "u2", 5000, "H", PRESS), ("e10", "s4", "u2", 5010, "G", PRESS), ("e11", "s4", "u2", 5020, "D", PRESS),
        ("e12", "s4", "u2", 5030, "G", PRESS), ("e13", "s4", "u2", 5040, "E", PRESS),
        # s5: a VisibleEvent between two presses
        ("e14", "s5", "u3", 0, "A", PRESS), ("e15", "s5", "u3", 10, "V", VISIBLE), ("e16", "s5", "u3", 20, "B", PRESS),
    ]
    return pd.DataFrame([{"event_id": event_uuid(e), "session_id": s, "user_id": u, "moment": T0 + timedelta(seconds=t),
                          "feature_nice_name": n, "stack_event_types": a} for e, s, u, t, n, a in rows])


def hand_conversions() -> pd.DataFrame:
    """github_press on e10 and e12; another conversion (purchase) on e11 must not count."""
    return pd.DataFrame([{"event_id": event_uuid(e), "conversion_name": c, "is_conversion_event": True}
                         for e, c in [("e10", CONVERSION_NAME), ("e12", CONVERSION_NAME), ("e11", "purchase")]])


def paths_of(result: dict, session_id: str | None = None) -> list[tuple]:
    """(path_number, step_1 .. step_N, first_conversion_step) of one group, in path order."""
    frame = result["paths"]
    if session_id:
        frame = frame[frame["group_id"] == session_id]
    frame = frame.sort_values(["group_id", "path_number"])
    steps = [c for c in frame.columns if c.startswith("step_")]
    return [tuple(None if pd.isna(v) else v for v in row)
            for row in frame[["path_number", *steps, "first_conversion_step"]].itertuples(index=False)]


def test_paths_order_ties_by_name_and_drop_the_last_event():
    result = run_funnel(hand_events())
    # A (e2) and B (e1) share a moment: ordered by name; D, the last event, has no path of its own
    assert paths_of(result, "s1") == [(1, "A", "B", "C", None), (2, "B", "C", "D", None), (3, "C", "D", None, None)]
    assert paths_of(result, "s2") == [(1, "X", None, None, None)]  # the only event of its group is kept
    assert paths_of(result, "s3") == [(1, "P", "Q", None, None)]  # no nice name, no step; Q is last
    assert result["paths"].set_index("path_number").loc[1].query("group_id == 's1'")["event_id"].map(str).tolist() \
        == [event_uuid("e2")]


def test_paths_with_one_step_drop_nothing():
    result = run_funnel(hand_events(), steps=1)
    assert paths_of(result, "s1") == [(1, "A", None), (2, "B", None), (3, "C", None), (4, "D", None)]


def test_paths_start_from_end():
    result = run_funnel(hand_events(), start_from_end=True)
    # each path ends at its event; the first event's path (only itself) is dropped, unless it is alone
    assert paths_of(result, "s1") == [(2, None, "A", "B", None), (3, "A", "B", "C", None), (4, "B", "C", "D", None)]
    assert paths_of(result, "s2") == [(1, None, None, "X", None)]
    assert paths_of(result, "s3") == [(2, None, "P", "Q", None)]


def test_paths_by_user_and_event_type_filter():
    by_user = run_funnel(hand_events(), partition="user", steps=2)
    assert paths_of(by_user, "u1") == [(1, "A", "B", None), (2, "B", "C", None), (3, "C", "D", None), (4, "D", "X", None)]
    assert paths_of(run_funnel(hand_events()), "s5") == [(1, "A", "V", "B", None), (2, "V", "B", None, None)]
    # only presses (ancestry), numbered among themselves
    assert paths_of(run_funnel(hand_events(), event_type="PressEvent"), "s5") == [(1, "A", "B", None, None)]
    assert paths_of(run_funnel(hand_events(), event_type="InteractiveEvent"), "s5") == [(1, "A", "B", None, None)]


def test_paths_n_examples_per_group():
    result = run_funnel(hand_events(), n_examples=2)
    assert paths_of(result, "s1") == [(1, "A", "B", "C", None), (2, "B", "C", "D", None)]
    assert paths_of(result, "s3") == [(1, "P", "Q", None, None)]
    # counted from the group's first event also from the end, whose first path is dropped
    from_end = run_funnel(hand_events(), n_examples=2, start_from_end=True)
    assert paths_of(from_end, "s1") == [(2, None, "A", "B", None)]


def test_paths_only_converted_truncated_after_first_conversion():
    result = run_funnel(hand_events(), hand_conversions(), steps=4, only_converted_paths=CONVERSION_NAME)
    # H G D G E: paths from H (conversion at step 2) and D (step 2) are cut after G; the paths starting at a
    # conversion (G) are dropped; E is last; e11's other conversion does not count
    assert paths_of(result, "s4") == [(1, "H", "G", None, None, 2), (3, "D", "G", None, None, 2)]
    assert set(result["paths"]["group_id"]) == {"s4"}  # paths that never convert are dropped
    # from the end: the lowest converting step of (., ., H, G) is 4, of (., H, G, D) 3, of (H, G, D, G) 2;
    # (G, D, G, E) starts with the conversion
    from_end = run_funnel(hand_events(), hand_conversions(), steps=4, only_converted_paths=CONVERSION_NAME,
                          start_from_end=True)
    assert paths_of(from_end, "s4") == [(2, None, None, "H", "G", 4), (3, None, "H", "G", None, 3),
                                        (4, "H", "G", None, None, 2)]
    # n_examples counts every path of the group before the conversion filter: paths 1..3 of which 2 converts first
    limited = run_funnel(hand_events(), hand_conversions(), steps=4, only_converted_paths=CONVERSION_NAME, n_examples=2)
    assert paths_of(limited, "s4") == [(1, "H", "G", None, None, 2)]


def test_incremental_paths_recompute_whole_groups_and_mark_removed_paths():
    # e3 (in s1) and e7 (in s3, no nice name) changed: s1 and s3 are recomputed whole, nothing else; e7 starts
    # no path, so it gets a marker row that makes delete+insert remove any path it had
    result = run_funnel(hand_events(), changed=["e3", "e7"])
    assert paths_of(result, "s1") == [(1, "A", "B", "C", None), (2, "B", "C", "D", None), (3, "C", "D", None, None)]
    assert paths_of(result, "s3") == [(1, "P", "Q", None, None)]
    markers = result["paths"][result["paths"]["path_number"].isna()]
    assert markers["event_id"].map(str).tolist() == [event_uuid("e7")]
    assert markers["group_id"].isna().all()
    assert set(result["paths"]["group_id"].dropna()) == {"s1", "s3"}
    assert (result["paths"]["dbt_updated_at"] == datetime(2024, 4, 2)).all()  # the events' newest version


# the locations of funnel_location's view: other ones for s1's e1, e2, e4 and for e7 (s3, no nice name); none
# for every other event
LOCATIONS = {"e1": "Y", "e2": "Z", "e4": "W", "e7": "R"}


def test_paths_with_funnel_location_read_int_funnel_located_events():
    result = run_funnel(hand_events(), locations=LOCATIONS)
    # e1 (Y) now comes before e2 (Z); e3 has no location, e7 one; nothing else has one, so no other group
    assert paths_of(result, "s1") == [(1, "Y", "Z", "W", None), (2, "Z", "W", None, None)]
    assert paths_of(result, "s3") == [(1, "R", None, None, None)]
    assert set(result["paths"]["group_id"]) == {"s1", "s3"}
    # incremental: the view's rows carry the events' dbt_updated_at, so a changed event's group is recomputed
    changed = run_funnel(hand_events(), changed=["e3"], locations=LOCATIONS)
    assert paths_of(changed) == [(1, "Y", "Z", "W", None), (2, "Z", "W", None, None), (None, None, None, None, None)]
    assert (changed["paths"]["dbt_updated_at"] == datetime(2024, 4, 2)).all()


def test_paths_refuse_unknown_options():
    with pytest.raises(ValueError, match="funnel_only_converted_paths"):
        run_funnel(hand_events(), only_converted_paths="nope")
    with pytest.raises(ValueError, match="funnel_partition"):
        run_funnel(hand_events(), partition="day")
    with pytest.raises(ValueError, match="funnel_location"):
        run_funnel(hand_events(), location=["OverlayContext"])


def test_top_paths_and_sankey_by_hand():
    session = duckdb.connect()
    session.execute("""create table funnel_paths as select * from (values
        ('g1', 1, 'A', 'B', 'C'), ('g2', 1, 'A', 'B', 'C'), ('g3', 1, 'A', 'B', null),
        ('g4', 1, 'B', 'B', 'B'), ('g5', 1, null, 'A', 'B')) as t(group_id, path_number, step_1, step_2, step_3)""")
    top = load_model(FUNNEL_DIR / "funnel_top_paths.py").model(FakeDbt(session, {}, {}), session)
    session.execute("create table funnel_top_paths as select * from top")
    got_top = [tuple(None if pd.isna(v) else v for v in row) for row in
               session.sql("select rank, step_1, step_2, step_3, paths from funnel_top_paths order by rank").fetchall()]
    # 2 paths first; ties of 1 ordered by the steps descending, NULL first: (NULL, A, B), (B, B, B), (A, B, NULL)
    assert got_top == [(1, "A", "B", "C", 2), (2, None, "A", "B", 1), (3, "B", "B", "B", 1), (4, "A", "B", None, 1)]
    links = load_model(FUNNEL_DIR / "funnel_sankey_links.py").model(FakeDbt(session, {}, {}), session)
    got_links = dict(((s, t), v) for s, t, v in links.fetchall())
    # A->B: 2 (A B C) + 1 (A B NULL) + 1 (NULL A B); B->C: 2; B->B twice in one path; NULL steps make no link
    assert got_links == {("A", "B"): 4, ("B", "C"): 2, ("B", "B"): 2}
    assert sum(got_links.values()) == 8  # every non-NULL consecutive pair of the 5 paths


# --- 2. parity with an independent implementation, on both engines ------------------------------------------

def is_conversion(frame: pd.DataFrame) -> pd.Series:
    """The default conversion github_press recomputed from the raw location stacks."""
    def on_github(stack: list) -> bool:
        return any(isinstance(element, dict) and all(element.get(k) == v for k, v in CONVERSION_ELEMENT.items())
                   for element in stack)

    return (frame["event_type"] == "PressEvent") & frame["location_stack"].map(on_github)


def expected_paths(parity_expected: dict, options: dict) -> list[tuple]:
    """Section 5 in plain Python, one group at a time: (group_id, event_id, path_number, steps..., first_conversion_step)."""
    steps, group_column = options["funnel_steps"], f"{options['funnel_partition']}_id"
    frame = parity_expected["sessionized"].copy()  # reference events with their sessions
    if options["funnel_location"] != WHOLE_STACK:
        frame = with_sliced_location(frame, options["funnel_location"])
    frame["converts"] = is_conversion(frame)
    frame = frame[frame["feature_nice_name"].notna() & frame[group_column].notna()]
    if options["funnel_event_type"]:
        frame = frame[frame["stack_event_types"].map(lambda types: options["funnel_event_type"] in types)]
    conversion, from_end, n_examples = (options["funnel_only_converted_paths"], options["funnel_start_from_end"],
                                        options["funnel_n_examples"])
    rows = []
    for group_id, group in frame.groupby(group_column):
        events = sorted(zip(group["moment"], group["feature_nice_name"], group["event_id"], group["converts"]))
        count = len(events)
        for offset, (_, _, event_id, _) in enumerate(events):
            if steps > 1 and count > 1 and offset == (0 if from_end else count - 1):
                continue
            if n_examples is not None and offset >= n_examples:
                continue
            positions = [offset - (steps - k) if from_end else offset + k - 1 for k in range(1, steps + 1)]
            names = [events[p][1] if 0 <= p < count else None for p in positions]
            first = None
            if conversion:
                first = next((k for k, p in enumerate(positions, 1) if 0 <= p < count and events[p][3]), None)
                if first is None or first == 1:
                    continue
                names = [name if k <= first else None for k, name in enumerate(names, 1)]
            rows.append((str(group_id), str(event_id), offset + 1, *names, first))
    return sorted(rows, key=lambda row: (row[0], row[2]))


def expected_top_and_links(paths: list[tuple], steps: int) -> tuple[list[tuple], dict]:
    counts = Counter(row[3:3 + steps] for row in paths)
    ordered = list(counts.items())
    for position in reversed(range(steps)):  # steps descending with NULL first, then paths descending (stable)
        ordered.sort(key=lambda item: (item[0][position] is None, item[0][position] or ""), reverse=True)
    ordered.sort(key=lambda item: item[1], reverse=True)
    top = [(rank, *path, paths_count) for rank, (path, paths_count) in enumerate(ordered, 1)]
    links = Counter()
    for path, paths_count in counts.items():
        for source, target in zip(path, path[1:]):
            if source is not None and target is not None:
                links[(source, target)] += paths_count
    return top, dict(links)


def cell(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def built_tables(warehouse, steps: int) -> dict:
    step_list = ", ".join(f"step_{k}" for k in range(1, steps + 1))
    paths = warehouse.query(f"select group_id, event_id, path_number, {step_list}, first_conversion_step "
                            "from {schema}.funnel_paths")
    top = warehouse.query(f"select rank, {step_list}, paths from {{schema}}.funnel_top_paths")
    links = warehouse.query("select source, target, value from {schema}.funnel_sankey_links")
    return {
        "paths": sorted(((str(r[0]), str(r[1]), int(r[2]), *map(cell, r[3:3 + steps]),
                          None if pd.isna(r[-1]) else int(r[-1])) for r in paths.itertuples(index=False)),
                        key=lambda row: (row[0], row[2])),
        "top": sorted((int(r[0]), *map(cell, r[1:-1]), int(r[-1])) for r in top.itertuples(index=False)),
        "links": {(s, t): int(v) for s, t, v in links.itertuples(index=False)},
        "columns": list(paths.columns),
    }


@pytest.fixture(scope="module")
def funnel_runs(parity_build):
    """The funnel tables of the parity warehouse for the default vars (as `dbt build` made them; on PostgreSQL
    built now by postgres_python) and for each OPTION_RUNS, rebuilt with default vars at the end."""
    if parity_build.engine == "postgres":
        python_models_dbt(parity_build, "build", "--select", "path:python_models/funnel+")
    runs = {"default": built_tables(parity_build, DEFAULTS["funnel_steps"])}
    try:
        for name, options in OPTION_RUNS.items():
            if "funnel_location" in options:  # the view funnel_paths reads then, built by the SQL target
                parity_build.dbt("run", "--select", "int_funnel_located_events", vars=options)
            # other vars make other paths: an incremental run would keep the old ones
            python_models_dbt(parity_build, "run", "--full-refresh", "--select", "path:python_models/funnel+",
                              vars=options)
            runs[name] = built_tables(parity_build, {**DEFAULTS, **options}["funnel_steps"])
    finally:
        parity_build.dbt("run", "--select", "int_funnel_located_events")
        python_models_dbt(parity_build, "run", "--full-refresh", "--select", "path:python_models/funnel+")
    return runs


@pytest.mark.parametrize("run", ["default", *OPTION_RUNS])
def test_funnel_paths_equal_reference(funnel_runs, parity_expected, run):
    options = {**DEFAULTS, **OPTION_RUNS.get(run, {})}
    got, expected = funnel_runs[run]["paths"], expected_paths(parity_expected, options)
    assert len(expected) > 100 and len({row[0] for row in expected}) > 10, "the data should hold many groups"
    if options["funnel_only_converted_paths"]:
        assert {row[-1] for row in expected} >= {2, 3}, "conversions at several steps"
    if options["funnel_location"] != WHOLE_STACK:
        whole_stack = expected_paths(parity_expected, {**options, "funnel_location": WHOLE_STACK})
        assert len(expected) < len(whole_stack), "events without the slice's element are left out"
        assert {row[3] for row in expected}.isdisjoint({row[3] for row in whole_stack}), "other locations"
    assert got == expected


@pytest.mark.parametrize("run", ["default", *OPTION_RUNS])
def test_funnel_top_paths_and_sankey_links_equal_reference(funnel_runs, parity_expected, run):
    options = {**DEFAULTS, **OPTION_RUNS.get(run, {})}
    steps = options["funnel_steps"]
    top, links = expected_top_and_links(expected_paths(parity_expected, options), steps)
    got = funnel_runs[run]
    assert len(top) > 10 and len(links) > 10
    assert got["top"] == top
    assert got["links"] == links
    # the Sankey sums: every non-NULL consecutive step pair of every path is one unit of some link's value
    pairs = sum(sum(1 for a, b in zip(row[3:3 + steps], row[4:3 + steps]) if a is not None and b is not None)
                for row in got["paths"])
    assert sum(got["links"].values()) == pairs
    assert sum(row[-1] for row in got["top"]) == len(got["paths"])


def test_funnel_column_types(funnel_runs, parity_build):
    for name in ("funnel_paths", "funnel_top_paths", "funnel_sankey_links"):
        python_model_types_match(parity_build, FUNNEL_DIR / f"{name}.yml")
