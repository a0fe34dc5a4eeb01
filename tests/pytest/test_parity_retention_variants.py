"""Parity of retention_variants and the macro retention_by with pandas on the parity data set.

Each return event's period number is computed here event by event (not from per-day bounds, as the SQL does),
for every variant: returns on / on or after period k, 24-hour / calendar periods, start and return events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compare import assert_same_rows
from inline_sql import query_templates

VARIANTS = [("daily", "24h"), ("daily", "calendar"), ("weekly", "calendar"), ("weekly", "24h"), ("monthly", "calendar")]
KEYS = ["time_period", "returns", "boundaries", "cohort", "period_number"]
MODEL_HUB_BOUNDARIES = {"daily": "24h", "weekly": "calendar", "monthly": "calendar"}
START, RETURN = "event_type = 'ApplicationLoadedEvent'", "event_type = 'PressEvent'"


def monday(moments: pd.Series) -> pd.Series:
    return moments.dt.normalize() - pd.to_timedelta(moments.dt.weekday, unit="D")


def cohort_label(first: pd.Series, time_period: str) -> pd.Series:
    if time_period == "weekly":
        first = monday(first)
    return first.dt.strftime("%Y-%m" if time_period == "monthly" else "%Y-%m-%d")


def period_number(first: pd.Series, moment: pd.Series, time_period: str, boundaries: str) -> pd.Series:
    seconds = (moment - first).dt.total_seconds()
    if boundaries == "24h":
        return np.floor(seconds / (86400 if time_period == "daily" else 7 * 86400)).astype(int)
    if time_period == "daily":
        return (moment.dt.normalize() - first.dt.normalize()).dt.days
    if time_period == "weekly":
        return (monday(moment) - monday(first)).dt.days // 7
    return 12 * (moment.dt.year - first.dt.year) + moment.dt.month - first.dt.month


def expected_variants(events: pd.DataFrame, starts: pd.Series, returns: pd.Series) -> pd.DataFrame:
    users = events["user_id"].notna()
    first = events[users & starts].groupby("user_id")["moment"].min()
    back = events[users & returns & events["user_id"].isin(first.index)]
    back = back.assign(first=back["user_id"].map(first))
    back = back[back["moment"] >= back["first"]]
    frames = []
    for time_period, boundaries in VARIANTS:
        sizes = cohort_label(first, time_period).value_counts()
        cells = back.assign(cohort=cohort_label(back["first"], time_period),
                            period_number=period_number(back["first"], back["moment"], time_period, boundaries))
        on = cells.groupby(["cohort", "period_number"])["user_id"].nunique().rename("users").reset_index()
        last = cells.groupby(["cohort", "user_id"])["period_number"].max().reset_index()
        after = (last.loc[last.index.repeat(last["period_number"] + 1)]
                 .assign(period_number=lambda f: f.groupby(level=0).cumcount())
                 .groupby(["cohort", "period_number"]).size().rename("users").reset_index())
        for mode, frame in (("on", on), ("on_or_after", after)):
            frame = frame.assign(time_period=time_period, returns=mode, boundaries=boundaries,
                                 cohort_users=frame["cohort"].map(sizes))
            frames.append(frame.assign(percentage=frame["users"] * 100.0 / frame["cohort_users"]))
    columns = [*KEYS, "users", "cohort_users", "percentage"]
    return pd.concat(frames, ignore_index=True)[columns]


@pytest.fixture(scope="module")
def events(parity_expected) -> pd.DataFrame:
    return parity_expected["sessionized"]


def test_retention_variants_equal_pandas(parity_build, events):
    everything = pd.Series(True, index=events.index)
    wanted = expected_variants(events, everything, everything)
    got = parity_build.query("select * from {schema}.retention_variants")
    assert_same_rows(got, wanted, KEYS, ["percentage"])


def test_macro_with_start_and_return_events_equals_pandas(parity_build, events):
    templates = [f"with events as (select * from {{{{ ref('events') }}}}) {{{{ retention_by('events', '{time_period}', "
                 f"'{returns}', '{boundaries}', start_where=\"{START}\", return_where=\"{RETURN}\") }}}}"
                 for time_period, boundaries in VARIANTS for returns in ("on", "on_or_after")]
    got = pd.concat(query_templates(parity_build, templates), ignore_index=True)
    wanted = expected_variants(events, events["event_type"] == "ApplicationLoadedEvent",
                               events["event_type"] == "PressEvent")
    on = wanted[wanted["returns"] == "on"]
    assert (on["period_number"] > 0).sum() > 20 and (on.loc[on["period_number"] == 0, "percentage"] < 100).any()
    assert_same_rows(got, wanted, KEYS, ["percentage"])


def test_model_hub_variants_equal_retention_matrix(parity_build):
    """With every event as start and return, 'on' with the model hub's boundaries is its retention matrix."""
    cases = " or ".join(f"(variants.time_period = '{tp}' and variants.boundaries = '{b}')"
                        for tp, b in MODEL_HUB_BOUNDARIES.items())
    got = parity_build.query(
        "select matrix.users as matrix_users, variants.users as variant_users,"
        " matrix.cohort_users as matrix_cohort, variants.cohort_users as variant_cohort"
        " from {schema}.retention_matrix as matrix"
        " full outer join (select * from {schema}.retention_variants as variants"
        f"  where variants.returns = 'on' and ({cases})) as variants"
        " on matrix.time_period = variants.time_period and matrix.cohort = variants.cohort"
        " and matrix.period_number = variants.period_number"
        " where matrix.time_period in ('daily', 'weekly', 'monthly') or matrix.time_period is null")
    assert len(got) > 50
    assert (got["matrix_users"] == got["variant_users"]).all()
    assert (got["matrix_cohort"] == got["variant_cohort"]).all()
