"""Parity with pandas of the aggregate macros' long format (grains=[...]: one row per grain and period, columns
time_grain and period before the keys of by), for grains the marts do not use (hour, week, quarter, year), with
event columns and a where, compiled inline against the parity build."""

from __future__ import annotations

import pandas as pd
import pytest

from compare import assert_same_rows
from inline_sql import query_templates
from test_parity_aggregate_macros import PRESS, distinct_count, durations


def long_format(per_grain, grains: list[str]) -> pd.DataFrame:
    """The frames per_grain(grain) (a column named after the grain) stacked as time_grain, period."""
    frames = [per_grain(grain).rename(columns={grain: "period"}).assign(time_grain=grain) for grain in grains]
    return pd.concat(frames, ignore_index=True)


CASES = [  # (template, expected frame from the events, key columns, float columns)
    ("{{ unique_users(by=['application'], grains=['hour', 'quarter'], where=\"" + PRESS + "\") }}",
     lambda e: long_format(lambda g: distinct_count(e[e["event_type"] == "PressEvent"], [g, "application"],
                                                    "user_id", "unique_users"), ["hour", "quarter"]),
     ["time_grain", "period", "application"], []),
    ("{{ unique_sessions(by=['utm_source'], grains=['week', 'year']) }}",
     lambda e: long_format(lambda g: distinct_count(e, [g, "utm_source"], "session_id", "unique_sessions"),
                           ["week", "year"]),
     ["time_grain", "period", "utm_source"], []),
    ("{{ session_duration(by=['root_location'], grains=['hour', 'month'], method='sum') }}",
     lambda e: long_format(lambda g: durations(e, [g, "root_location"], "sum", True), ["hour", "month"]),
     ["time_grain", "period", "root_location"], ["session_duration_seconds"]),
]


@pytest.fixture(scope="module")
def events(parity_expected) -> pd.DataFrame:
    return parity_expected["sessionized"]


@pytest.fixture(scope="module")
def results(parity_build) -> list[pd.DataFrame]:
    return query_templates(parity_build, [template for template, *_ in CASES])


@pytest.mark.parametrize("case", range(len(CASES)), ids=[template for template, *_ in CASES])
def test_long_format_equals_pandas(results, events, case):
    _, expected, keys, floats = CASES[case]
    wanted = expected(events)
    assert wanted["time_grain"].nunique() == 2 and len(wanted) > 2
    assert_same_rows(results[case], wanted, keys, floats)
