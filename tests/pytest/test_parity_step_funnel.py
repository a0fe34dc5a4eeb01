"""Parity of step_funnel and the macro step_funnel_by with pandas on the parity data set.

The reference walks each user's (or session's) events in (moment, event_id) order, one entity at a time,
for every order mode; conversions are matched on the raw location stacks (reference.is_conversion).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from compare import assert_same_rows, without_nan
from inline_sql import query_templates
from reference import CONVERSIONS, is_conversion

FLOATS = ["conversion_rate", "step_conversion_rate", "p25_seconds_from_start", "median_seconds_from_start",
          "p75_seconds_from_start", "p90_seconds_from_start", "median_seconds_from_previous"]
DEFAULT_STEPS = [("landed", "ApplicationLoadedEvent"), ("pressed", "PressEvent"), ("ordered", "purchase")]


def rate(numerator: int, denominator: int) -> float:
    return math.floor(Fraction(numerator, denominator) * 1000 + Fraction(1, 2)) / 1000


def step_masks(events: pd.DataFrame, steps: list[tuple[str, str]]) -> list[pd.Series]:
    """A step is an event type, or the name of a conversion definition."""
    return [is_conversion(events, CONVERSIONS[match]) if match in CONVERSIONS else events["event_type"] == match
            for _, match in steps]


def walk(moments: list, flags: list[tuple[bool, ...]], window: pd.Timedelta, order: str) -> list:
    """The moments at which one entity reached steps 1.. (its first attempt), [] when it never entered."""
    n = len(flags[0]) if flags else 0
    if order == "unordered":
        entry = next((i for i, f in enumerate(flags) if any(f)), None)
        if entry is None:
            return []
        end = moments[entry] + window
        firsts = [next((j for j in range(entry, len(flags)) if flags[j][k] and moments[j] <= end), None) for k in range(n)]
        return [moments[j] for j in sorted(j for j in firsts if j is not None)]
    entry = next((i for i, f in enumerate(flags) if f[0]), None)
    if entry is None:
        return []
    end, reached, current = moments[entry] + window, [moments[entry]], entry
    for k in range(1, n):
        candidates = [current + 1] if order == "strict" else range(current + 1, len(flags))
        current = next((j for j in candidates if j < len(flags) and flags[j][k]), None)
        if current is None or moments[current] > end:
            break
        reached.append(moments[current])
    return reached


def expected_funnel(events: pd.DataFrame, steps: list[tuple[str, str]], window_hours: float, order: str, by: str,
                    breakdown: str | None = None) -> pd.DataFrame:
    entity = "user_id" if by == "user" else "session_id"
    frame = events.assign(**{f"step_{k}": mask for k, mask in enumerate(step_masks(events, steps))})
    frame = frame[frame[entity].notna()].sort_values([entity, "moment", "event_id"])
    step_columns = [f"step_{k}" for k in range(len(steps))]
    if order != "strict":
        frame = frame[frame[step_columns].any(axis=1)]
    paths: dict[object, list[list]] = {}
    for _, group in frame.groupby(entity, sort=False):
        flags = list(group[step_columns].itertuples(index=False, name=None))
        moments = list(group["moment"])
        reached = walk(moments, flags, pd.Timedelta(hours=window_hours), order)
        if reached:
            first = next(i for i, f in enumerate(flags) if (any(f) if order == "unordered" else f[0]))
            value = group[breakdown].iloc[first] if breakdown else None
            paths.setdefault(None if pd.isna(value) else value, []).append(reached)
    rows = []
    for value, entity_paths in paths.items():
        previous = None
        for k, (name, _) in enumerate(steps, start=1):
            done = [p for p in entity_paths if len(p) >= k]
            from_start = [(p[k - 1] - p[0]).total_seconds() for p in done]
            from_previous = [(p[k - 1] - p[k - 2]).total_seconds() for p in done] if k > 1 else []
            def pct(values: list[float], q: float) -> float | None:
                return float(np.percentile(values, q)) if values else None
            rows.append({"funnel_by": by, "breakdown": value, "step_number": k, "step_name": name,
                         "entities": len(done), "dropped_off": (previous if previous is not None else len(done)) - len(done),
                         "conversion_rate": rate(len(done), len(entity_paths)),
                         "step_conversion_rate": rate(len(done), previous) if previous else (1.0 if k == 1 else 0.0),
                         "p25_seconds_from_start": pct(from_start, 25), "median_seconds_from_start": pct(from_start, 50),
                         "p75_seconds_from_start": pct(from_start, 75), "p90_seconds_from_start": pct(from_start, 90),
                         "median_seconds_from_previous": pct(from_previous, 50)})
            previous = len(done)
    return without_nan(pd.DataFrame(rows))


@pytest.fixture(scope="module")
def events(parity_expected) -> pd.DataFrame:
    return parity_expected["sessionized"]


def test_step_funnel_equals_pandas(parity_build, events):
    """The mart with the default var step_funnel: landed, pressed, ordered (the purchase conversion), 24 hours."""
    wanted = expected_funnel(events, DEFAULT_STEPS, 24, "ordered", "user")
    assert wanted.loc[wanted["step_number"] == 3, "entities"].iloc[0] > 3
    got = parity_build.query("select * from {schema}.step_funnel")
    assert_same_rows(got, wanted, ["breakdown", "step_number"], FLOATS)


VARIANTS = [  # (order, by, window hours, breakdown)
    ("strict", "session", 1, None),
    ("unordered", "user", 2, None),
    ("ordered", "session", 0.5, "utm_source"),
]
STEPS = [("loaded", "ApplicationLoadedEvent"), ("pressed", "PressEvent"), ("visible", "VisibleEvent")]


def test_step_funnel_macro_variants_equal_pandas(parity_build, events):
    steps = "[" + ", ".join(f"{{'name': '{name}', 'event_type': '{event_type}'}}" for name, event_type in STEPS) + "]"
    templates = [f"with events as (select * from {{{{ ref('events') }}}}) {{{{ step_funnel_by('events', {steps}, "
                 f"window_seconds={int(hours * 3600)}, order='{order}', by='{by}', breakdown={repr(breakdown) if breakdown else 'none'}) }}}}"
                 for order, by, hours, breakdown in VARIANTS]
    for got, (order, by, hours, breakdown) in zip(query_templates(parity_build, templates), VARIANTS, strict=True):
        wanted = expected_funnel(events, STEPS, hours, order, by, breakdown)
        assert (wanted["entities"] > 0).sum() >= 3 and wanted["dropped_off"].sum() > 0, (order, by)
        assert_same_rows(got, wanted, ["breakdown", "step_number"], FLOATS)
