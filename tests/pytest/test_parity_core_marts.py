"""Parity of the events, sessions and users marts with pandas (reference.py) on the generated parity data set."""

from __future__ import annotations

import pandas as pd
import pytest

from compare import assert_same_rows
from reference import CONVERSIONS, is_conversion

FIRST_HIT_COLUMNS = ["application", "root_location", "referrer", "utm_source", "utm_medium", "utm_campaign",
                     "utm_content", "utm_term"]


@pytest.fixture(scope="module")
def events(parity_expected) -> pd.DataFrame:
    """Sessionized reference events with the model hub flags computed from their definitions."""
    frame = parity_expected["sessionized"].copy()
    frame["is_first_session"] = frame["session_number"] == 1
    first_session_hits = frame[frame["is_first_session"]]
    for column, period in (("is_new_user", frame["day"]), ("is_new_user_month", frame["moment"].dt.to_period("M"))):
        buckets = set(zip(first_session_hits["user_id"], period[frame["is_first_session"]]))
        frame[column] = [key in buckets for key in zip(frame["user_id"], period)]
    return frame


def expected_events(events: pd.DataFrame) -> pd.DataFrame:
    columns = ["event_id", "user_id", "session_id", "session_hit_number", "event_type", "feature_nice_name",
               *FIRST_HIT_COLUMNS, "is_first_session", "is_new_user", "is_new_user_month", "day", "moment",
               "session_start_at"]
    return events[columns]


def expected_sessions(events: pd.DataFrame) -> pd.DataFrame:
    ordered = events.sort_values(["session_id", "session_hit_number"])
    sessions = ordered.groupby("session_id").agg(
        user_id=("user_id", "first"), session_number=("session_number", "first"), hits=("event_id", "size"),
        started_at=("moment", "min"), ended_at=("moment", "max"), is_first_session=("is_first_session", "first"),
        **{column: (column, "first") for column in FIRST_HIT_COLUMNS})
    first_hits = ordered[ordered["session_hit_number"] == 1].set_index("session_id")[FIRST_HIT_COLUMNS]
    sessions[FIRST_HIT_COLUMNS] = first_hits  # "first" would skip NULLs; the first hit's value is meant
    sessions["duration_seconds"] = (sessions["ended_at"] - sessions["started_at"]).dt.total_seconds()
    sessions["is_bounce"] = sessions["duration_seconds"] == 0
    for name, definition in CONVERSIONS.items():
        counts = events[is_conversion(events, definition)].groupby("session_id").size()
        sessions[f"{name}_conversions"] = counts.reindex(sessions.index, fill_value=0)
        sessions[f"is_{name}_converted"] = sessions[f"{name}_conversions"] > 0
    return sessions.reset_index()


def expected_users(sessions: pd.DataFrame) -> pd.DataFrame:
    first = sessions[sessions["session_number"] == 1].set_index("user_id")
    users = sessions.groupby("user_id").agg(sessions=("session_id", "size"), events=("hits", "sum"),
                                            first_seen_at=("started_at", "min"), last_seen_at=("ended_at", "max"))
    for column in ("application", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"):
        users[f"first_{column}"] = first[column]
    return users.reset_index()


def normalized_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as datetime objects (compare.py reads pandas Timestamps as dates)."""
    frame = frame.copy()
    for column in ("moment", "session_start_at", "started_at", "ended_at", "first_seen_at", "last_seen_at"):
        if column in frame:
            frame[column] = [moment.to_pydatetime() for moment in pd.to_datetime(frame[column])]
    return frame


def built(warehouse, mart: str, columns: list[str]) -> pd.DataFrame:
    frame = warehouse.query(f"select * from {{schema}}.{mart}")[columns]
    for column in ("event_id", "user_id", "session_id"):
        if column in frame:
            frame[column] = frame[column].map(lambda value: None if value is None else str(value))
    return normalized_times(frame)


def test_events_mart_equals_pandas(parity_build, events):
    wanted = normalized_times(expected_events(events))
    assert wanted["is_new_user"].any() and not wanted["is_new_user"].all()
    assert_same_rows(built(parity_build, "events", list(wanted.columns)), wanted, ["event_id"])


def test_sessions_mart_equals_pandas(parity_build, events):
    wanted = normalized_times(expected_sessions(events))
    assert wanted["is_bounce"].any() and wanted["is_github_press_converted"].any()
    assert_same_rows(built(parity_build, "sessions", list(wanted.columns)), wanted, ["session_id"],
                     floats=["duration_seconds"])


def test_users_mart_equals_pandas(parity_build, events):
    wanted = normalized_times(expected_users(expected_sessions(events)))
    assert (wanted["sessions"] > 1).any()
    assert_same_rows(built(parity_build, "users", list(wanted.columns)), wanted, ["user_id"])
