"""Generate events, load them, `dbt build` (with its unit and data tests) on each engine, and compare the
staging and session tables with values computed independently from the generated file (reference.py)."""

from __future__ import annotations

import pandas as pd
import pytest

import reference
from objectiv_dbt.generate import write_events

EVENTS = 6000
SEED = 11
DERIVED_COLUMNS = ["event_id", "user_id", "moment", "day", "event_type", "application", "root_location",
                   "feature_nice_name", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"]
SESSION_COLUMNS = ["event_id", "user_id", "session_id", "session_number", "session_hit_number", "session_start_at"]


@pytest.fixture(scope="module")
def events_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("events") / "events.ndjson.gz"
    write_events(path, events=EVENTS, seed=SEED)
    return path


@pytest.fixture(scope="module")
def expected(events_file):
    rows, rejected = reference.read_lines(events_file)
    return {"rows": rows, "rejected": rejected, "events": reference.events_frame(rows)}


@pytest.fixture(scope="module")
def built(new_warehouse, events_file):
    warehouse = new_warehouse()
    report = warehouse.load(events_file)
    warehouse.dbt("build")
    return warehouse, report


def normalized(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Same column order, text ids, datetimes and dates comparable across engines, rows sorted by event_id."""
    frame = frame[columns].copy()
    for column in ("event_id", "user_id", "session_id"):
        if column in frame:
            frame[column] = frame[column].map(lambda v: None if v is None or pd.isna(v) else str(v))
    for column in ("moment", "session_start_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    if "day" in frame:
        frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.sort_values("event_id").reset_index(drop=True)


def test_load_report_accounts_for_every_line(built, expected):
    _, report = built
    assert report.inserted == len(expected["rows"])
    assert report.rejected == expected["rejected"] > 0
    assert report.inserted + report.already_loaded + report.rejected == report.lines_read == EVENTS


def test_quarantine_holds_exactly_the_uninterpretable_events(built, expected):
    warehouse, _ = built
    wanted = sorted((row["event_id"], reason) for row in expected["rows"]
                    if (reason := reference.quarantine_reason(row["value"])) is not None)
    got = warehouse.query("select event_id, quarantine_reason from {schema}.stg_objectiv__quarantined_events")
    assert wanted, "the generator should produce events the models must quarantine"
    assert sorted((str(e), r) for e, r in got.itertuples(index=False)) == wanted


def test_staging_events_equal_reference(built, expected):
    warehouse, _ = built
    got = warehouse.query("select * from {schema}.stg_objectiv__events")
    pd.testing.assert_frame_equal(normalized(got, DERIVED_COLUMNS), normalized(expected["events"], DERIVED_COLUMNS))
    got_types = dict(zip(got["event_id"].map(str), got["stack_event_types"].map(list)))
    assert got_types == dict(zip(expected["events"]["event_id"], expected["events"]["stack_event_types"]))


def test_flattened_location_stack_equals_reference(built, expected):
    warehouse, _ = built
    got = warehouse.query("select event_id, position, context_type, context_id from {schema}.stg_objectiv__location_stack")
    wanted = sorted((event_id, position, context.get("_type"), context.get("id"))
                    for event_id, stack in zip(expected["events"]["event_id"], expected["events"]["location_stack"])
                    for position, context in enumerate(stack, start=1))
    assert sorted((str(e), int(p), t, i) for e, p, t, i in got.itertuples(index=False)) == wanted


def test_sessions_equal_reference(built, expected):
    warehouse, _ = built
    got = warehouse.query("select * from {schema}.int_events_sessionized")
    wanted = reference.sessionize(expected["events"])
    assert wanted["session_id"].nunique() < len(wanted), "sessions of several events expected"
    pd.testing.assert_frame_equal(normalized(got, SESSION_COLUMNS), normalized(wanted, SESSION_COLUMNS))


def test_identity_resolution_and_date_range_equal_reference(built, expected):
    warehouse, _ = built
    days = sorted(expected["events"]["day"].unique())
    options = {"identity_resolution": "email", "start_date": str(days[3]), "end_date": str(days[-4])}
    warehouse.dbt("run", "--full-refresh", "--select", "+int_events_sessionized", vars=options)
    got = warehouse.query("select * from {schema}.int_events_sessionized")
    wanted = reference.sessionize(expected["events"], identity_id="email", start_date=options["start_date"],
                                  end_date=options["end_date"])
    assert wanted["user_id"].str.endswith("|email").any() and wanted["user_id"].isna().any()
    pd.testing.assert_frame_equal(normalized(got, SESSION_COLUMNS), normalized(wanted, SESSION_COLUMNS))
