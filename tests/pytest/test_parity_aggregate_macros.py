"""Parity with pandas of the macros that take the model hub's parameters (groupby by any grain and column,
the long format of grains=[...], method, exclude_bounces, is_new_user per grain, location and groupby of
drop-off, top features and funnel conversion, a location being a column or a slice of the location stack),
compiled inline against the parity build."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import reference
from compare import assert_same_rows, without_nan
from inline_sql import query_templates
from test_parity_features_conversions import expected_funnel_conversion, round_half_up

PRESS = "event_type = 'PressEvent'"
FUNNEL_FLOATS = ["step_conversion_rate", "full_conversion_rate", "dropoff_share"]
# columns added to the events frame: the nice name of a slice of the stack, (from_type, from_id); the content
# slice starts at the first of nested ContentContexts
SLICES = {"content_slice": ("ContentContext", None), "overlay_slice": ("OverlayContext", None),
          "docs_sidebar_slice": ("NavigationContext", "docs-sidebar")}


def with_slices(events: pd.DataFrame) -> pd.DataFrame:
    return events.assign(**{column: events["location_stack"].map(
        lambda stack, start=start: reference.nice_name(reference.stack_slice(stack, *start)))
        for column, start in SLICES.items()})


def label(moments: pd.Series, grain: str) -> pd.Series:
    if grain == "week":
        return (moments.dt.normalize() - pd.to_timedelta(moments.dt.weekday, unit="D")).dt.strftime("%Y-%m-%d")
    if grain == "quarter":
        return moments.dt.year.astype(str) + "-Q" + moments.dt.quarter.astype(str)
    return moments.dt.strftime({"hour": "%Y-%m-%d %H", "day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[grain])


def keyed(events: pd.DataFrame, by: list[str]) -> tuple[pd.DataFrame, list[str]]:
    grains = {"hour", "day", "week", "month", "quarter", "year"}
    return events.assign(**{key: label(events["moment"], key) for key in by if key in grains}), by


def distinct_count(events: pd.DataFrame, by: list[str], column: str, name: str) -> pd.DataFrame:
    frame, keys = keyed(events, by)
    return without_nan(frame.groupby(keys, dropna=False)[column].nunique().rename(name).reset_index())


def durations(events: pd.DataFrame, by: list[str], method: str, exclude_bounces: bool) -> pd.DataFrame:
    frame, keys = keyed(events, by)
    spans = frame.groupby([*keys, "session_id"], dropna=False)["moment"].agg(["min", "max"])
    spans = ((spans["max"] - spans["min"]).dt.total_seconds()).rename("session_duration_seconds").reset_index()
    if exclude_bounces:
        spans = spans[spans["session_duration_seconds"] > 0]
    grouped = spans.groupby(keys, dropna=False)["session_duration_seconds"]
    return without_nan((grouped.mean() if method == "mean" else grouped.sum()).reset_index())


def long_format(per_grain, grains: list[str]) -> pd.DataFrame:
    """The macros' grains=[...] format: the frames per_grain(grain) (a column named after the grain) stacked as
    time_grain, period."""
    frames = [per_grain(grain).rename(columns={grain: "period"}).assign(time_grain=grain) for grain in grains]
    return pd.concat(frames, ignore_index=True)


def drop_off(events: pd.DataFrame, location: str, groupby: list[str]) -> pd.DataFrame:
    frame = events.dropna(subset=[location, *groupby]).sort_values(["moment", "event_id"])
    last = frame.groupby(groupby).tail(1)[location].value_counts()
    return pd.DataFrame({"location": last.index, "users": last.values,
                         "percentage": [round_half_up(100 * int(n), int(last.sum())) for n in last.values]})


def top_features(events: pd.DataFrame, location: str, event_type: str) -> pd.DataFrame:
    frame = events[events["stack_event_types"].map(lambda types: event_type in types)]
    frame = frame.dropna(subset=["application", location, "event_type"])
    users = frame.groupby(["application", location, "event_type"])["user_id"].nunique().rename("unique_users")
    return users.reset_index().rename(columns={location: "feature_nice_name"})


def new_user_hits(events: pd.DataFrame, grain: str) -> int:
    period = label(events["moment"], grain)
    first = events["session_number"] == 1
    new_buckets = set(zip(events.loc[first, "user_id"], period[first]))
    return sum(key in new_buckets for key in zip(events["user_id"], period))


CASES = [  # (template, expected frame from the events, key columns, float columns)
    ("{{ unique_users(by=['week', 'utm_source'], where=\"" + PRESS + "\") }}",
     lambda e: distinct_count(e[e["event_type"] == "PressEvent"], ["week", "utm_source"], "user_id", "unique_users"),
     ["week", "utm_source"], []),
    ("{{ unique_users(by=['quarter', 'application']) }}",
     lambda e: distinct_count(e, ["quarter", "application"], "user_id", "unique_users"), ["quarter", "application"], []),
    ("{{ unique_sessions(by=['hour']) }}", lambda e: distinct_count(e, ["hour"], "session_id", "unique_sessions"),
     ["hour"], []),
    ("{{ session_duration(by=['day', 'application'], method='sum') }}",
     lambda e: durations(e, ["day", "application"], "sum", True), ["day", "application"], ["session_duration_seconds"]),
    ("{{ session_duration(by=['week', 'root_location'], exclude_bounces=false) }}",
     lambda e: durations(e, ["week", "root_location"], "mean", False), ["week", "root_location"],
     ["session_duration_seconds"]),
    ("{{ drop_off_locations_by(location='root_location', groupby=['session_id']) }}",
     lambda e: drop_off(e, "root_location", ["session_id"]), ["location"], ["percentage"]),
    ("{{ top_product_features_by(location='root_location', event_type='PressEvent') }}",
     lambda e: top_features(e, "root_location", "PressEvent"), ["application", "feature_nice_name", "event_type"], []),
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
    ("{{ top_product_features_by(location=location_stack_slice('ContentContext')) }}",
     lambda e: top_features(e, "content_slice", "InteractiveEvent"), ["application", "feature_nice_name", "event_type"], []),
    ("{{ top_product_features_by(location={'from_type': 'NavigationContext', 'from_id': 'docs-sidebar'}, event_type='PressEvent') }}",
     lambda e: top_features(e, "docs_sidebar_slice", "PressEvent"), ["application", "feature_nice_name", "event_type"], []),
    ("{{ drop_off_locations_by(location={'from_type': 'OverlayContext'}, groupby=['session_id']) }}",
     lambda e: drop_off(e, "overlay_slice", ["session_id"]), ["location"], ["percentage"]),
    ("with events as (select * from {{ ref('events') }}) "
     "{{ funnel_conversion_by('events', location=location_stack_slice('NavigationContext', 'docs-sidebar'), groupby=['day']) }}",
     lambda e: expected_funnel_conversion(e.assign(feature_nice_name=e["docs_sidebar_slice"], day=e["moment"].dt.date), ["day"]),
     ["day", "location"], FUNNEL_FLOATS),
]


@pytest.fixture(scope="module")
def events(parity_expected) -> pd.DataFrame:
    return with_slices(parity_expected["sessionized"])


@pytest.fixture(scope="module")
def results(parity_build) -> list[pd.DataFrame]:
    return query_templates(parity_build, [template for template, *_ in CASES])


@pytest.mark.parametrize("case", range(len(CASES)), ids=[template for template, *_ in CASES])
def test_macro_equals_pandas(results, events, case):
    _, expected, keys, floats = CASES[case]
    wanted = expected(events)
    assert len(wanted) > 1
    assert_same_rows(results[case], wanted, keys, floats)


@pytest.mark.parametrize("grain", ["hour", "week"])
def test_is_new_user_per_grain(parity_build, events, grain):
    template = ("select count(*) as hits from (select {{ is_new_user('" + grain + "') }} as is_new"
                " from {{ ref('events') }}) as flagged where is_new")
    [got] = query_templates(parity_build, [template])
    wanted = new_user_hits(events, grain)
    assert 0 < wanted < len(events)
    assert int(got["hits"].iloc[0]) == wanted


def test_located_events_equals_pandas(parity_build, events):
    """Every event's slice nice name (first ContentContext on, nested ones in the data), and no event lost."""
    template = ("select cast(event_id as {{ dbt.type_string() }}) as event_id, location"
                " from ({{ located_events(location_stack_slice('ContentContext')) }}) as located")
    [got] = query_templates(parity_build, [template])
    assert events["content_slice"].notna().any() and events["content_slice"].isna().any()
    assert events["location_stack"].map(lambda s: sum(c.get("_type") == "ContentContext" for c in s) > 1).any()
    assert dict(zip(got["event_id"], got["location"].where(got["location"].notna(), None))) == \
        dict(zip(events["event_id"], events["content_slice"]))


STACK = [{"_type": "RootLocationContext", "id": "home"}, {"_type": "OverlayContext", "id": "menu"},
         {"_type": "LinkContext", "id": "x"}]
TWO_OVERLAYS = [{"_type": "RootLocationContext", "id": "home"}, {"_type": "OverlayContext", "id": "a"},
                {"_type": "OverlayContext", "id": "b"}, {"_type": "LinkContext", "id": "x"}]
HAND_SLICES = [  # (stack, slice, nice name by hand)
    (STACK, "location_stack_slice('OverlayContext')", "Link: x located at Overlay: menu"),
    (STACK, "location_stack_slice('RootLocationContext')", "Link: x located at Root Location: home => Overlay: menu"),
    (STACK, "location_stack_slice('LinkContext')", "Link: x"),
    (STACK, "location_stack_slice('OverlayContext', 'menu')", "Link: x located at Overlay: menu"),
    (STACK, "location_stack_slice('ContentContext')", None),
    (STACK, "location_stack_slice('OverlayContext', 'other')", None),
    (TWO_OVERLAYS, "{'from_type': 'OverlayContext'}", "Link: x located at Overlay: a => Overlay: b"),
    (TWO_OVERLAYS, "{'from_type': 'OverlayContext', 'from_id': 'b'}", "Link: x located at Overlay: b"),
]


def test_slice_nice_names_by_hand(parity_build):
    """Slices of literal stacks: from the first match on, that element included; no match gives NULL."""
    templates = []
    for stack, slice_, _ in HAND_SLICES:
        # the SQL literal '<json>' as a double-quoted Jinja string
        literal = '"' + ("'" + json.dumps(stack) + "'").replace('"', '\\"') + '"'
        templates.append("select {{ location_slice_nice_name(parse_contexts(" + literal + "), " + slice_ + ") }} as name")
    names = [frame["name"].iloc[0] for frame in query_templates(parity_build, templates)]
    assert [None if pd.isna(name) else name for name in names] == [name for *_, name in HAND_SLICES]


@pytest.mark.parametrize(("location", "message"), [
    ("{'from': 'OverlayContext'}", "unknown key(s) from"),
    ("{'from_type': ''}", "from_type must be a non-empty string"),
    ("{'from_type': 'OverlayContext', 'from_id': 3}", "from_id must be a string (quote it), got 3"),
    ("['feature_nice_name']", 'got ["feature_nice_name"]'),
])
def test_bad_location_is_a_compiler_error(parity_build, location, message):
    with pytest.raises(AssertionError) as failure:
        query_templates(parity_build, ["{{ drop_off_locations_by(location=" + location + ") }}"])
    [line] = [line for line in str(failure.value).splitlines() if "a location is an events column" in line]
    assert message in line
