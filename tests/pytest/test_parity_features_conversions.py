"""Parity of the feature, origin and conversion marts with pandas, on the generated parity data set.

Every expected table is computed here from `parity_expected` (reference.py's events and sessions), and
conversions are recomputed from the raw location stacks, never read from the dbt tables. The definitions
follow model-hub-semantics 3 and 4 and the choices written in each mart's YAML.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import pandas as pd
import pytest

from compare import assert_same_rows, without_nan
from inline_sql import query_model, query_templates
from reference import CONVERSIONS, is_conversion, with_sliced_location

INTERACTIVE = "InteractiveEvent"  # default of var top_features_event_type, and the walk-through's filter
FEATURE_KEYS = ["application", "feature_nice_name", "event_type"]
CAMPAIGN_KEYS = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"]


# --- helpers: the definitions in pandas ---------------------------------------------------------------

def round_half_up(numerator: int, denominator: int, decimals: int = 3) -> float:
    """numerator / denominator rounded exactly (half away from zero, the values are never negative)."""
    scale = 10**decimals
    return math.floor(Fraction(numerator, denominator) * scale + Fraction(1, 2)) / scale


def is_interactive(frame: pd.DataFrame) -> pd.Series:
    return frame["stack_event_types"].map(lambda types: INTERACTIVE in types)


def before_first_conversion(frame: pd.DataFrame, definition: dict) -> pd.Series:
    """Hits of converting sessions strictly before the session's first conversion moment: the model hub's
    conversions_counter >= 1 and conversions_in_time == 0 (in_time counts conversions at or before the moment)."""
    conversion_moments = frame["moment"].where(is_conversion(frame, definition))
    first_conversion = conversion_moments.groupby(frame["session_id"]).transform("min")
    return first_conversion.notna() & (frame["moment"] < first_conversion)


def per_conversion(expected: Callable[[pd.DataFrame, dict], pd.DataFrame]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """An expected mart computed for every conversion definition, with its conversion_name."""
    def all_conversions(events: pd.DataFrame) -> pd.DataFrame:
        frames = [expected(events, definition).assign(conversion_name=name) for name, definition in CONVERSIONS.items()]
        return pd.concat(frames, ignore_index=True)

    return all_conversions


def unique_users(frame: pd.DataFrame, keys: list[str], dropna: bool = False) -> pd.DataFrame:
    """count(distinct user_id) per group; NULL keys form a group of their own unless dropna (the model hub's)."""
    if dropna:
        frame = frame.dropna(subset=keys)
    grouped = frame.groupby(keys, dropna=False)["user_id"].nunique()
    return without_nan(grouped.rename("unique_users").reset_index())


def ranked(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """rank 1 = most users, ties by the keys (Python's str order = byte order of UTF-8 = collate "C")."""
    frame = frame.sort_values(["unique_users", *keys], ascending=[False, *[True] * len(keys)])
    return frame.assign(rank=range(1, len(frame) + 1))


def last_locations(events: pd.DataFrame) -> dict[str, str | None]:
    """Per user the feature_nice_name of the last event by (moment, event_id)."""
    last = without_nan(events.sort_values(["moment", "event_id"]).groupby("user_id").tail(1))
    return dict(zip(last["user_id"], last["feature_nice_name"]))


# --- the expected marts -------------------------------------------------------------------------------

def expected_top_product_features(events: pd.DataFrame) -> pd.DataFrame:
    return ranked(unique_users(events[is_interactive(events)], FEATURE_KEYS, dropna=True), FEATURE_KEYS)


@per_conversion
def expected_top_product_features_before_conversion(events: pd.DataFrame, definition: dict) -> pd.DataFrame:
    hits = events[before_first_conversion(events, definition) & is_interactive(events)]
    return ranked(unique_users(hits, FEATURE_KEYS, dropna=True), FEATURE_KEYS)


def expected_users_by_referrer(events: pd.DataFrame) -> pd.DataFrame:
    return unique_users(events, ["referrer"])


def expected_users_by_campaign(events: pd.DataFrame) -> pd.DataFrame:
    return unique_users(events, CAMPAIGN_KEYS)


def expected_features_by_campaign(events: pd.DataFrame) -> pd.DataFrame:
    return unique_users(events[is_interactive(events)], ["utm_source", "utm_term", "feature_nice_name", "event_type"])


@per_conversion
def expected_conversions_daily(events: pd.DataFrame, definition: dict) -> pd.DataFrame:
    day = events["moment"].dt.date
    users = events.groupby(day)["user_id"].nunique()
    conversions = events[is_conversion(events, definition)]
    converted = conversions.groupby(day)["user_id"].nunique().reindex(users.index, fill_value=0)
    days = pd.DataFrame({"day": users.index, "converted_users": converted.to_numpy(), "unique_users": users.to_numpy()})
    return days.assign(conversion_rate=days["converted_users"] / days["unique_users"])


@per_conversion
def expected_conversion_locations(events: pd.DataFrame, definition: dict) -> pd.DataFrame:
    return unique_users(events[is_conversion(events, definition)], FEATURE_KEYS)


@per_conversion
def expected_time_to_conversion(events: pd.DataFrame, definition: dict) -> pd.DataFrame:
    hits = events[before_first_conversion(events, definition)]
    spans = hits.groupby("session_id")["moment"].agg(lambda moments: (moments.max() - moments.min()).total_seconds())
    spans = spans[spans > 0]
    return pd.DataFrame([{"mean_seconds": spans.mean() if len(spans) else None, "sessions": len(spans)}])


def expected_drop_off_locations(events: pd.DataFrame) -> pd.DataFrame:
    last = pd.Series(last_locations(events), dtype=object)
    counts = last.groupby(last, dropna=False).size()
    rows = [{"location": location, "users": int(users), "percentage": round_half_up(100 * int(users), len(last))}
            for location, users in counts.items()]
    return without_nan(pd.DataFrame(rows))


def funnel_rows(first_touches: pd.DataFrame) -> list[dict]:
    """One funnel (the model hub's funnel_conversion) over per-user first touches (user_id, location, moment):
    a user completed a location when a non-NULL location follows it in (moment, location) order."""
    touched: dict[str | None, int] = {}
    completed: dict[str | None, int] = {}
    for _, touches in first_touches.groupby("user_id"):
        path = sorted(zip(touches["moment"], touches["location"]), key=lambda t: (t[0], t[1] is None, t[1] or ""))
        for (_, location), following in zip(path, [*path[1:], (None, None)]):
            touched[location] = touched.get(location, 0) + 1
            went_on = location is not None and following[1] is not None
            completed[location] = completed.get(location, 0) + int(went_on)
    start = max(touched.values())
    return [{"location": location, "n_users": n_users, "n_users_completed_step": completed[location],
             "step_conversion_rate": round_half_up(completed[location], n_users),
             "full_conversion_rate": round_half_up(completed[location], start),
             "dropoff_share": round_half_up(n_users - completed[location], start)}
            for location, n_users in touched.items()]


def expected_funnel_conversion(events: pd.DataFrame, groupby: list[str] | None = None) -> pd.DataFrame:
    """Per group, each user's first touch (earliest moment) of each feature_nice_name, then funnel_rows."""
    groupby = groupby or []
    users = without_nan(events[events["user_id"].notna()])
    first = (users.groupby([*groupby, "user_id", "feature_nice_name"], dropna=False)["moment"].min()
             .reset_index().rename(columns={"feature_nice_name": "location"}))
    first = without_nan(first)
    if not groupby:
        return without_nan(pd.DataFrame(funnel_rows(first)))
    rows = [{**dict(zip(groupby, key if isinstance(key, tuple) else (key,))), **row}
            for key, group in first.groupby(groupby, dropna=False) for row in funnel_rows(group)]
    return without_nan(pd.DataFrame(rows))


# --- comparison ---------------------------------------------------------------------------------------

# --- tests --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def events(parity_expected) -> pd.DataFrame:
    """The reference's sessionized events (derived columns, user_id, session_id)."""
    return parity_expected["sessionized"]


def query(warehouse, mart: str) -> pd.DataFrame:
    got = warehouse.query(f"select * from {{schema}}.{mart}")
    assert len(got) > 0, f"{mart} is empty"
    return got


CASES: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], list[str], list[str]]] = {
    # mart: (expected frame, key columns, float columns)
    "top_product_features": (expected_top_product_features, FEATURE_KEYS, []),
    "top_product_features_before_conversion": (
        expected_top_product_features_before_conversion, ["conversion_name", *FEATURE_KEYS], []),
    "users_by_referrer": (expected_users_by_referrer, ["referrer"], []),
    "users_by_campaign": (expected_users_by_campaign, CAMPAIGN_KEYS, []),
    "features_by_campaign": (
        expected_features_by_campaign, ["utm_source", "utm_term", "feature_nice_name", "event_type"], []),
    "conversions_daily": (expected_conversions_daily, ["conversion_name", "day"], ["conversion_rate"]),
    "conversion_locations": (expected_conversion_locations, ["conversion_name", *FEATURE_KEYS], []),
    "time_to_conversion": (expected_time_to_conversion, ["conversion_name"], ["mean_seconds"]),
    "drop_off_locations": (expected_drop_off_locations, ["location"], ["percentage"]),
    "funnel_conversion": (expected_funnel_conversion, ["location"],
                          ["step_conversion_rate", "full_conversion_rate", "dropoff_share"]),
}


@pytest.mark.parametrize("mart", list(CASES))
def test_mart_equals_pandas(parity_build, events, mart):
    expected, keys, floats = CASES[mart]
    wanted = expected(events)
    assert len(wanted) > 0
    assert_same_rows(query(parity_build, mart), wanted, keys, floats)


def test_parity_data_is_not_trivial(events):
    """The comparisons above mean something: several groups, conversions, NULL groups, ties, pre-conversion spans.
    (Days without conversions and NULL nice names do not occur in this data: the unit tests cover them.)"""
    assert "github_press" in CONVERSIONS
    github_press = CONVERSIONS["github_press"]
    assert is_conversion(events, github_press).sum() > 10
    assert before_first_conversion(events, github_press).sum() > 10
    daily = expected_conversions_daily(events)
    assert len(daily) > 5 and daily["converted_users"].nunique() > 2
    top = expected_top_product_features(events)
    assert len(top) > 10 and top["unique_users"].duplicated().any(), "ties in unique users"
    assert set(top["event_type"]) >= {"PressEvent", "ClickEvent"}, "both taxonomies among interactive events"
    assert len(expected_top_product_features_before_conversion(events)) > 5
    assert len(expected_users_by_referrer(events)) > 3
    campaigns = expected_users_by_campaign(events)
    assert len(campaigns) > 2 and campaigns["utm_source"].isna().any(), "events without a campaign"
    assert expected_time_to_conversion(events)["sessions"].max() > 5
    funnel = expected_funnel_conversion(events)
    assert funnel["n_users_completed_step"].between(1, funnel["n_users"] - 1).any()
    assert len(expected_drop_off_locations(events)) > 5


def test_funnel_conversion_by_day_equals_pandas(parity_build, events):
    """The macro with a groupby (the model hub's funnel_conversion(df, groupby='day')): one funnel per day."""
    template = "with events as (select * from {{ ref('events') }}) {{ funnel_conversion_by('events', groupby=['day']) }}"
    [got] = query_templates(parity_build, [template])
    wanted = expected_funnel_conversion(events.assign(day=events["moment"].dt.date), ["day"])
    assert wanted["day"].nunique() > 5 and (wanted["full_conversion_rate"] < 1).any()
    assert_same_rows(got, wanted, ["day", "location"], ["step_conversion_rate", "full_conversion_rate", "dropoff_share"])


@pytest.mark.parametrize(("mart", "var"), [
    ("top_product_features_before_conversion", "top_features_before_conversion_location"),
    ("funnel_conversion", "funnel_conversion_location"),
])
def test_location_var_takes_a_stack_slice(parity_build, events, mart, var):
    """The mart's location var as a slice (the model hub's location_stack=df.location_stack.json[{...}:]):
    the nice name of the stack from its first NavigationContext with id docs-sidebar on, NULL without one."""
    start = {"from_type": "NavigationContext", "from_id": "docs-sidebar"}
    sliced = with_sliced_location(events, start)
    assert sliced["feature_nice_name"].notna().sum() > 100 and sliced["feature_nice_name"].isna().any()
    expected, keys, floats = CASES[mart]
    wanted = expected(sliced)
    assert len(wanted) > 1
    assert_same_rows(query_model(parity_build, mart, {var: start}), wanted, keys, floats)
