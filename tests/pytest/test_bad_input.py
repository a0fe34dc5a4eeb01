"""Bad input never stops the pipeline (issue 15): a battery of bad rows on each engine, one build for all.

Some rows go straight into the collector table (what the Objectiv collector writes: any valid JSON in a
`json` column; on DuckDB a VARCHAR column, which may hold anything), others are NDJSON lines loaded through
objectiv_dbt.load. After one `dbt build` (on PostgreSQL then the Python models through postgres_python) every
row is exactly one of: staged (stg_objectiv__events), quarantined with the expected reason
(stg_objectiv__quarantined_events) or rejected by the loader with the expected reason (<table>_rejects), and
rows in = staged + quarantined + rejected. The good rows are one user's few events: thin data, so the
regression has a single class and must not fail the build either.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import psycopg2
import pytest

COOKIE = "1cc3cb08-010b-465a-8241-88c9b4d233ea"
START = datetime(2024, 3, 1, 12, 0, 0)
NUL = "\\u0000"  # the six characters of the JSON escape
MEGABYTES = 3


@dataclass(frozen=True)
class Case:
    name: str
    value: str | None  # the JSON text (direct rows: the value column; loaded: the line)
    outcome: str  # staged | quarantined | rejected
    reason: str | dict[str, str] | None = None  # text the reason must contain (per engine: a dict)
    loaded: bool = False  # through the loader instead of straight into the table
    engines: tuple[str, ...] = ("duckdb", "postgres")
    moment: datetime | None | str = "auto"  # direct rows: "auto" = a moment per case
    day_offset: int = 0  # direct rows: day = moment's date + this
    cookie: str | None = COOKIE

    def expected_reason(self, engine: str) -> str | None:
        return self.reason[engine] if isinstance(self.reason, dict) else self.reason


def event(**changes) -> dict:
    """A good tracker event; `changes` replace (or with None for _DROP, remove) its fields."""
    base = {
        "_type": "PressEvent",
        "_types": ["AbstractEvent", "InteractiveEvent", "PressEvent"],
        "location_stack": [
            {"_type": "RootLocationContext", "id": "home"},
            {"_type": "LinkContext", "id": "docs"},
        ],
        "global_contexts": [
            {"_type": "ApplicationContext", "id": "website"},
            {"_type": "CookieIdContext", "id": COOKIE, "cookie_id": COOKIE},
        ],
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not DROP}


DROP = object()


def text(obj) -> str:
    return json.dumps(obj)


def with_raw(obj: dict, key: str, raw_json: str) -> str:
    """The event's JSON with one more member whose value is written as is (numbers json cannot produce)."""
    body = text(obj)
    return body[:-1] + f', "{key}": {raw_json}}}'


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_objects(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def stack(size: int) -> list[dict]:
    return [{"_type": "RootLocationContext", "id": "home"}] + [
        {"_type": "ContentContext", "id": f"c{n}"} for n in range(1, size)
    ]


DIRECT: list[Case] = [
    Case("good event", text(event()), "staged"),
    Case("NUL escape in a context id", text(event(location_stack=[{"_type": "RootLocationContext", "id": "a\u0000b"}])),
         "quarantined", "value holds the escape \\u0000 (a NUL character)"),
    Case("NUL escape in _type", text(event(_type="Press\u0000Event")), "quarantined", "\\u0000 (a NUL character)"),
    Case("NUL escape in an unread field", with_raw(event(), "x", f'"{NUL}"'), "quarantined", "NUL character"),
    Case("escaped backslash before u0000 is no NUL", with_raw(event(), "x", '"\\\\u0000"'), "staged"),
    Case("lone high surrogate", with_raw(event(), "x", '"\\ud800"'), "quarantined", "value is not valid JSON"),
    Case("lone low surrogate", with_raw(event(), "x", '"a\\udc00b"'), "quarantined", "value is not valid JSON"),
    Case("surrogate pair (an emoji) is fine", with_raw(event(), "x", '"\\ud83d\\ude00"'), "staged"),
    Case("1e400 in an unread field", with_raw(event(), "x", "1e400"), "staged"),
    Case("-1e400 and 1e-400", with_raw(event(), "x", "[-1e400, 1e-400]"), "staged"),
    Case("1e400 as a context id", text(event())[:-2] + ', {"_type": "HttpContext", "id": 1e400}]}', "staged"),
    Case("number beyond PostgreSQL numeric (1e200000)", with_raw(event(), "x", "1e200000"), "quarantined",
         "value is not valid JSON for PostgreSQL: value overflows numeric format", engines=("postgres",)),
    Case("number beyond PostgreSQL numeric, DuckDB", with_raw(event(), "x", "1e200000"), "staged",
         engines=("duckdb",)),
    Case("arrays nested 3,000 deep", with_raw(event(), "x", nested(3000)), "staged"),
    Case("objects nested 3,000 deep", with_raw(event(), "x", deep_objects(3000)), "staged"),
    Case("location stack of 10,000 elements", text(event(location_stack=stack(10_000))), "staged"),
    Case("global contexts of 10,000 elements",
         text(event(global_contexts=[{"_type": "PathContext", "id": str(n)} for n in range(10_000)])), "staged"),
    Case("_type a number", text(event(_type=5)), "quarantined", "_type is not a string: found a number"),
    Case("_type an object", text(event(_type={"name": "PressEvent"})), "quarantined", "found an object"),
    Case("_type an array", text(event(_type=["PressEvent"])), "quarantined", "_type is not a string: found an array"),
    Case("_type a boolean", text(event(_type=True)), "quarantined", "_type is not a string: found a boolean"),
    Case("_type null", text(event(_type=None)), "quarantined", "missing _type"),
    Case("_type missing", text(event(_type=DROP)), "quarantined", "missing _type"),
    Case("_type of a megabyte", text(event(_type="P" * 1_000_000)), "staged"),
    Case("first stack element without _type", text(event(location_stack=[
        {"id": "a"}, {"_type": "RootLocationContext", "id": "home"}, {"_type": "LinkContext", "id": "x"}])), "staged"),
    Case("last stack element without _type", text(event(location_stack=[{"_type": "RootLocationContext", "id": "h"}, {"id": "x"}])),
         "staged"),
    Case("stack elements a string, null and a number", text(event(location_stack=[{"_type": "RootLocationContext", "id": "h"}, "x", None, 3])),
         "staged"),
    Case("stack element _type a number", text(event(location_stack=[{"_type": 7, "id": {"deep": [1]}}])), "staged"),
    Case("location_stack an object", text(event(location_stack={"_type": "RootLocationContext"})), "quarantined",
         "location_stack is not an array: found an object"),
    # DuckDB reads a JSON null member as SQL NULL (missing), PostgreSQL's jsonb keeps it
    Case("location_stack null", text(event(location_stack=None)), "quarantined",
         {"duckdb": "missing location_stack", "postgres": "location_stack is not an array: found null"}),
    Case("location_stack empty", text(event(location_stack=[])), "quarantined", "location_stack is empty"),
    Case("global_contexts an object", text(event(global_contexts={"a": 1})), "quarantined",
         "global_contexts is not an array: found an object"),
    Case("global_contexts a string", text(event(global_contexts="[]")), "quarantined",
         "global_contexts is not an array: found a string"),
    Case("global_contexts null", text(event(global_contexts=None)), "quarantined",
         {"duckdb": "missing global_contexts", "postgres": "global_contexts is not an array: found null"}),
    Case("global_contexts missing", text(event(global_contexts=DROP)), "quarantined", "missing global_contexts"),
    Case("_types an object", text(event(_types={"a": 1})), "quarantined", "missing or invalid _types"),
    Case("_types holding numbers and objects", text(event(_types=[1, {"a": 1}, "PressEvent"])), "staged"),
    Case("value JSON null", "null", "quarantined", "value is not a JSON object: found null"),
    Case("value a number", "42", "quarantined", "value is not a JSON object: found a number"),
    Case("value a string", '"an event"', "quarantined", "value is not a JSON object: found a string"),
    Case("value an array", text([event()]), "quarantined", "value is not a JSON object: found an array"),
    Case("value a boolean", "true", "quarantined", "value is not a JSON object: found a boolean"),
    Case("value SQL NULL", None, "quarantined", "missing value"),
    Case("value with blanks before the object", " \n\t" + text(event()), "staged"),
    Case("string of megabytes", text(event(global_contexts=event()["global_contexts"] + [
        {"_type": "HttpContext", "id": "http", "user_agent": "x" * (MEGABYTES << 20)}])), "staged"),
    Case("invalid JSON (a VARCHAR column)", '{"_type": "PressEvent", ', "quarantined", "value is not valid JSON",
         engines=("duckdb",)),
    Case("conversion value 1e400 is no number", text(event(
        _type="SuccessEvent", location_stack=[{"_type": "ContentContext", "id": "order-summary"}],
        global_contexts=event()["global_contexts"] + [{"_type": "InputValueContext", "id": "order_total", "value": "1e400"}])),
        "staged"),
    Case("missing moment", text(event()), "quarantined", "missing moment", moment=None),
    Case("day not the date of moment", text(event()), "quarantined", "day is not the UTC date of moment", day_offset=1),
    Case("missing cookie_id", text(event()), "quarantined", "missing cookie_id", cookie=None),
]


def raw_line(n: int, **changes) -> dict:
    """A raw tracker event line for the loader: id and time added."""
    return {**event(**changes), "id": str(uuid.UUID(int=0xB0B0 << 96 | n)), "time": 1709294400000 + n * 1000}


def raw_text(n: int, **changes) -> str:
    return text(raw_line(n, **changes))


LOADED: list[Case] = [
    Case("loaded good event", raw_text(1), "staged", loaded=True),
    Case("loaded NUL escape", raw_text(2, _type="A\u0000B"), "quarantined", "NUL character", loaded=True),
    Case("loaded lone surrogate", with_raw(raw_line(3), "x", '"\\ud800"'), "rejected", "not JSON", loaded=True),
    Case("loaded 1e400", with_raw(raw_line(4), "x", "1e400"), "staged", loaded=True),
    Case("loaded depth 3,000", with_raw(raw_line(5), "x", nested(3000)), "staged", loaded=True),
    Case("loaded stack of 10,000", raw_text(6, location_stack=stack(10_000)), "staged", loaded=True),
    Case("loaded _type a number", raw_text(7, _type=5), "quarantined", "_type is not a string", loaded=True),
    Case("loaded stack element without _type", raw_text(8, location_stack=[{"id": "x"}]), "staged", loaded=True),
    Case("loaded global_contexts not an array", raw_text(9, global_contexts={"a": 1}), "rejected",
         "global_contexts is not an array", loaded=True),
    Case("loaded collector row, value null", text({"event_id": str(uuid.uuid4()), "day": "2024-03-01",
         "moment": "2024-03-01 12:00:00", "cookie_id": COOKIE, "value": None}), "rejected", "invalid value", loaded=True),
    Case("loaded collector row, value a scalar", text({"event_id": str(uuid.uuid4()), "day": "2024-03-01",
         "moment": "2024-03-01 12:00:00", "cookie_id": COOKIE, "value": 3}), "rejected", "a number, not a JSON object",
         loaded=True),
    Case("loaded string of megabytes", raw_text(12, referrer="y" * (MEGABYTES << 20)), "staged", loaded=True),
    Case("loaded not JSON", "{oops", "rejected", "not JSON", loaded=True),
    Case("loaded _type missing", raw_text(14, _type=DROP), "quarantined", "missing _type", loaded=True),
    Case("loaded empty location stack", raw_text(15, location_stack=[]), "quarantined", "location_stack is empty",
         loaded=True),
    Case("loaded collector row with a NUL escape", text({"event_id": str(uuid.uuid4()), "day": "2024-03-01",
         "moment": "2024-03-01 12:00:00", "cookie_id": COOKIE, "value": event(_type="\u0000")}), "quarantined",
         "NUL character", loaded=True),
    Case("loaded number beyond numeric", with_raw(raw_line(17), "x", "1e200000"), "quarantined",
         "value overflows numeric format", loaded=True, engines=("postgres",)),
    # deeper than PostgreSQL's stack allows: its json type refuses the line, the rest of the batch loads
    Case("loaded depth 30,000", with_raw(raw_line(18), "x", nested(30_000)), "rejected",
         "not JSON: PostgreSQL refuses it: stack depth limit exceeded", loaded=True, engines=("postgres",)),
    Case("loaded depth 30,000, DuckDB", with_raw(raw_line(19), "x", nested(30_000)), "staged", loaded=True,
         engines=("duckdb",)),
]

CASES = DIRECT + LOADED


def cases_for(engine: str) -> list[Case]:
    return [case for case in CASES if engine in case.engines]


def test_battery_is_big_enough():
    assert len({case.name for case in CASES}) == len(CASES)
    for engine in ("duckdb", "postgres"):
        assert len(cases_for(engine)) >= 40


def create_collector_table(warehouse, engine: str) -> None:
    if engine == "duckdb":
        with duckdb.connect(str(warehouse.duckdb_file)) as connection:
            connection.execute(f"create schema {warehouse.raw_schema}")
            connection.execute(f"create table {warehouse.raw_schema}.data (event_id uuid primary key, day date,"
                               " moment timestamp, cookie_id uuid, value varchar)")
        return
    with psycopg2.connect(warehouse.postgres.dsn()) as connection, connection.cursor() as cursor:
        cursor.execute(f"create schema {warehouse.raw_schema}")
        cursor.execute(f"create table {warehouse.raw_schema}.data (event_id uuid primary key, day date,"
                       " moment timestamp, cookie_id uuid, value json)")
    connection.close()


def direct_rows(engine: str) -> dict[str, tuple]:
    rows = {}
    for number, case in enumerate(cases_for(engine)):
        if case.loaded:
            continue
        moment = START + timedelta(minutes=number) if case.moment == "auto" else case.moment
        day = (moment.date() + timedelta(days=case.day_offset)) if moment else START.date()
        rows[case.name] = (str(uuid.UUID(int=number + 1)), day, moment, case.cookie, case.value)
    return rows


def insert_direct(warehouse, engine: str, rows: dict[str, tuple]) -> None:
    if engine == "duckdb":
        with duckdb.connect(str(warehouse.duckdb_file)) as connection:
            connection.executemany(f"insert into {warehouse.raw_schema}.data values (?, ?, ?, ?, ?)", list(rows.values()))
        return
    with psycopg2.connect(warehouse.postgres.dsn()) as connection, connection.cursor() as cursor:
        cursor.executemany(f"insert into {warehouse.raw_schema}.data values (%s, %s, %s, %s, %s::json)", list(rows.values()))
    connection.close()


@pytest.fixture(scope="module")
def battery(engine, new_warehouse, tmp_path_factory):
    warehouse = new_warehouse()
    create_collector_table(warehouse, engine)
    rows = direct_rows(engine)
    insert_direct(warehouse, engine, rows)
    loaded = [case for case in cases_for(engine) if case.loaded]
    path = tmp_path_factory.mktemp("battery") / "bad.ndjson"
    path.write_text("".join(case.value + "\n" for case in loaded))
    report = warehouse.load(path)
    output = warehouse.dbt("build")
    if engine == "postgres":
        output += warehouse.dbt("build", "--select", "path:python_models+", target="postgres_python")
    staged = set(warehouse.query("select cast(event_id as varchar) as id from {schema}.stg_objectiv__events")["id"])
    quarantined = dict(warehouse.query(
        "select cast(event_id as varchar) as id, quarantine_reason from {schema}.stg_objectiv__quarantined_events"
    ).itertuples(index=False))
    rejects = dict(warehouse.query("select line_number, reason from {raw}.data_rejects").itertuples(index=False))
    return {"engine": engine, "rows": rows, "loaded": loaded, "report": report, "output": output,
            "staged": staged, "quarantined": quarantined, "rejects": rejects, "warehouse": warehouse}


def loaded_event_id(case: Case) -> str | None:
    try:
        line = json.loads(case.value)
    except RecursionError:  # nested deeper than Python parses: a raw_line, whose ids start with 0000b0b0
        return re.search(r'"id": "(0000b0b0-[0-9a-f-]{27})"', case.value).group(1)
    except ValueError:
        return None
    return line.get("id") or line.get("event_id") if isinstance(line, dict) else None


def outcomes(battery) -> dict[str, tuple[str, str | None]]:
    """Each case's outcome as found in the tables: (staged|quarantined|rejected|missing, reason)."""
    found = {}
    for name, (event_id, *_rest) in battery["rows"].items():
        found[name] = locate(battery, event_id, None)
    for line_number, case in enumerate(battery["loaded"], 1):
        found[case.name] = locate(battery, loaded_event_id(case), line_number)
    return found


def locate(battery, event_id: str | None, line_number: int | None) -> tuple[str, str | None]:
    places = []
    if event_id in battery["staged"]:
        places.append(("staged", None))
    if event_id in battery["quarantined"]:
        places.append(("quarantined", battery["quarantined"][event_id]))
    if line_number in battery["rejects"]:
        places.append(("rejected", battery["rejects"][line_number]))
    assert len(places) <= 1, f"{event_id} is in more than one place: {places}"
    return places[0] if places else ("missing", None)


def test_every_case_has_its_expected_outcome_and_reason(battery):
    found = outcomes(battery)
    wrong = {}
    for case in cases_for(battery["engine"]):
        outcome, reason = found[case.name]
        expected = case.expected_reason(battery["engine"])
        if outcome != case.outcome or (expected and expected not in (reason or "")):
            wrong[case.name] = (f"expected {case.outcome} {expected!r}", f"got {outcome} {reason!r}")
    assert not wrong, wrong


def test_rows_in_equal_staged_plus_quarantined_plus_rejected(battery):
    report = battery["report"]
    rows_in = len(battery["rows"]) + report.lines_read
    staged, quarantined, rejected = len(battery["staged"]), len(battery["quarantined"]), len(battery["rejects"])
    assert report.rejected == rejected and report.inserted == len(battery["loaded"]) - rejected
    assert rows_in == staged + quarantined + rejected == len(cases_for(battery["engine"]))
    expected = {kind: sum(case.outcome == kind for case in cases_for(battery["engine"]))
                for kind in ("staged", "quarantined", "rejected")}
    assert (staged, quarantined, rejected) == (expected["staged"], expected["quarantined"], expected["rejected"])


def test_thin_data_warns_instead_of_failing(battery):
    """One user, so the regression target has one class: no coefficients, a warning saying why."""
    output = battery["output"]
    assert "logistic_regression_coefficients: not fitted, the table is empty" in output
    assert "WARN 1 has_rows_logistic_regression_coefficients" in output
    warehouse = battery["warehouse"]
    assert warehouse.query("select count(*) as n from {schema}.logistic_regression_coefficients")["n"][0] == 0
    metrics = warehouse.query("select n_users, accuracy, log_loss from {schema}.logistic_regression_metrics")
    assert metrics.shape[0] == 1 and metrics["n_users"][0] == 0
    assert metrics["accuracy"].isna().all() and metrics["log_loss"].isna().all()


def test_nice_names_of_stacks_with_elements_without_type(battery):
    """Elements without _type (or not objects) are skipped in the nice name (model-hub-semantics 1.4)."""
    ids = {name: row[0] for name, row in battery["rows"].items()}
    names = dict(battery["warehouse"].query(
        "select cast(event_id as varchar) as id, feature_nice_name from {schema}.stg_objectiv__events"
    ).itertuples(index=False))
    assert names[ids["first stack element without _type"]] == "Link: x located at Root Location: home"
    assert names[ids["last stack element without _type"]] is None
    assert names[ids["stack elements a string, null and a number"]] is None
    assert names[ids["good event"]] == "Link: docs located at Root Location: home"


def test_a_conversion_value_beyond_numbers_reads_as_null(battery):
    event_id = battery["rows"]["conversion value 1e400 is no number"][0]
    row = battery["warehouse"].query(
        "select is_purchase_conversion, purchase_conversion_value from {schema}.stg_objectiv__events"
        f" where cast(event_id as varchar) = '{event_id}'")
    assert row.shape[0] == 1 and bool(row["is_purchase_conversion"][0])
    assert row["purchase_conversion_value"].isna().all()


def test_dbt_build_empty_passes_with_warnings(engine, new_warehouse):
    """`dbt build --empty` (every model on no rows) passes on both engines, warning why the results are empty."""
    warehouse = new_warehouse()
    create_collector_table(warehouse, engine)
    output = warehouse.dbt("build", "--empty")
    if engine == "postgres":
        output += warehouse.dbt("build", "--empty", "--select", "path:python_models+", target="postgres_python")
    assert "ERROR=0" in output
    for warning in ["WARN 1 has_rows_events_no_events", "WARN 1 has_rows_funnel_paths_no_navigation_paths",
                    "WARN 1 has_rows_logistic_regression_coefficients_no_model_fitted",
                    "logistic_regression_coefficients: not fitted, the table is empty",
                    "logistic_regression_metrics: no user was scored"]:
        assert warning in output, warning
