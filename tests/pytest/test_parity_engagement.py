"""Parity of the engagement marts (user_lifecycle, stickiness, rolling_active_users) with pandas on the parity data.

The expectations walk the calendar: every period (or day) from the first to the last active one, and for each
the users' activity in it and in the period before, straight from the reference's sessionized events.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from compare import assert_same_rows

GRAINS = ["day", "week", "month"]


def period_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if grain == "month" else day


def next_period(start: date, grain: str) -> date:
    if grain == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=7 if grain == "week" else 1)


def label(start: date, grain: str) -> str:
    return start.strftime("%Y-%m" if grain == "month" else "%Y-%m-%d")


def calendar(first: date, last: date, grain: str) -> list[date]:
    periods, current = [], first
    while current <= last:
        periods.append(current)
        current = next_period(current, grain)
    return periods


@pytest.fixture(scope="module")
def active_days(parity_expected) -> dict[str, set[date]]:
    """Per non-NULL user the UTC days with an event."""
    events = parity_expected["sessionized"]
    events = events[events["user_id"].notna()]
    days: dict[str, set[date]] = {}
    for user, moment in zip(events["user_id"], events["moment"]):
        days.setdefault(user, set()).add(moment.date())
    return days


def expected_lifecycle(active_days: dict[str, set[date]]) -> pd.DataFrame:
    rows = []
    for grain in GRAINS:
        active = {user: {period_start(day, grain) for day in days} for user, days in active_days.items()}
        first_periods = {user: min(periods) for user, periods in active.items()}
        all_periods = set().union(*active.values())
        previous = None
        for start in calendar(min(all_periods), max(all_periods), grain):
            counts = {"new": 0, "returning": 0, "resurrecting": 0, "dormant": 0}
            for user, periods in active.items():
                now, before = start in periods, previous in periods
                if now and first_periods[user] == start:
                    counts["new"] += 1
                elif now:
                    counts["returning" if before else "resurrecting"] += 1
                elif before:
                    counts["dormant"] += 1
            if any(counts.values()):
                rows += [{"time_grain": grain, "period": label(start, grain), "status": status, "users": users}
                         for status, users in counts.items()]
            previous = start
    return pd.DataFrame(rows)


def expected_stickiness(active_days: dict[str, set[date]]) -> pd.DataFrame:
    rows = []
    for grain in ["week", "month"]:
        per_user = pd.DataFrame([{"period": label(period_start(day, grain), grain), "user_id": user}
                                 for user, days in active_days.items() for day in days])
        days_per_user = per_user.groupby(["period", "user_id"]).size().rename("active_days").reset_index()
        counts = days_per_user.groupby(["period", "active_days"]).size().rename("users").reset_index()
        counts["period_users"] = counts.groupby("period")["users"].transform("sum")
        counts["percentage"] = (100 * counts["users"] / counts["period_users"]).round(3)
        rows.append(counts.assign(time_grain=grain))
    return pd.concat(rows, ignore_index=True)


def expected_rolling(active_days: dict[str, set[date]]) -> pd.DataFrame:
    first, last = min(min(d) for d in active_days.values()), max(max(d) for d in active_days.values())
    rows = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        def active_within(days: int) -> int:
            window = {day - timedelta(days=back) for back in range(days)}
            return sum(1 for user_days in active_days.values() if user_days & window)
        dau, wau, mau = active_within(1), active_within(7), active_within(28)
        if mau:
            rows.append({"day": day, "daily_active_users": dau, "weekly_active_users": wau,
                         "monthly_active_users": mau, "dau_mau_ratio": round(dau / mau, 3),
                         "is_full_window": offset >= 27})
    return pd.DataFrame(rows)


CASES = {
    # mart: (expected frame, key columns, float columns)
    "user_lifecycle": (expected_lifecycle, ["time_grain", "period", "status"], []),
    "stickiness": (expected_stickiness, ["time_grain", "period", "active_days"], ["percentage"]),
    "rolling_active_users": (expected_rolling, ["day"], ["dau_mau_ratio"]),
}


@pytest.mark.parametrize("mart", list(CASES))
def test_mart_equals_pandas(parity_build, active_days, mart):
    expected, keys, floats = CASES[mart]
    wanted = expected(active_days)
    got = parity_build.query(f"select * from {{schema}}.{mart}")
    assert len(wanted) > 0
    assert_same_rows(got, wanted, keys, floats)


def test_parity_data_is_not_trivial(active_days):
    """Every status, several active-day counts and incomplete weekly windows occur in the data."""
    lifecycle = expected_lifecycle(active_days)
    per_status = lifecycle[lifecycle["time_grain"] == "day"].groupby("status")["users"].sum()
    assert (per_status > 5).all(), per_status
    assert expected_stickiness(active_days)["active_days"].max() >= 3
    rolling = expected_rolling(active_days)
    assert rolling["is_full_window"].any() and (rolling["weekly_active_users"] < rolling["monthly_active_users"]).any()
