"""Parity of the time and session aggregate marts (models/marts/product) with pandas, on both engines.

Every expected value is computed here, independently of the SQL, from the reference frames (reference.py):
unique users and sessions per day and month, session durations per (period, session) span, their
quartiles, the user frequency, the retention matrix (all four time periods, with and without its vars)
and the pivoted matrix of the retention_matrix_pivot macro (through `dbt show`).

Two data sets: the shared parity build (30 days of March 2024) and a long-range build made here (late
November 2024 to February 2025, so months and years change; with identity resolution, so anonymized users
with user_id NULL exist), built with only the models these marts need.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pytest

import reference
from compare import without_audit_column
from objectiv_dbt.generate import write_events
from warehouse import Warehouse

MARTS = ["unique_users", "unique_sessions", "unique_users_by_location", "session_duration",
         "session_duration_by_location", "session_duration_quartiles", "user_frequency", "retention_matrix"]
GRAIN_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m"}
TIME_PERIODS = ["daily", "weekly", "monthly", "yearly"]
QUANTILES = [0.25, 0.5, 0.75]
LONG_RANGE = {"events": 8000, "seed": 77, "start": date(2024, 11, 20), "days": 80}
LONG_RANGE_VARS = {"identity_resolution": "email"}
RELATIVE_TOLERANCE = 1e-9


@dataclass
class Case:
    """A built warehouse and the sessionized events its events mart must hold."""

    name: str
    warehouse: Warehouse
    events: pd.DataFrame
    vars: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def long_range(parity_build, tmp_path_factory):
    """The long-range data set, built (only what the marts need) on the engine of the parity build."""
    workdir = tmp_path_factory.mktemp(f"long_range_{parity_build.engine}")
    path = workdir / "events.ndjson"
    write_events(path, **LONG_RANGE)
    rows, _ = reference.read_lines(path)
    events = reference.sessionize(reference.events_frame(rows), identity_id=LONG_RANGE_VARS["identity_resolution"])
    warehouse = Warehouse(parity_build.engine, workdir, parity_build.postgres)
    warehouse.load(path)
    # run, not build: the tests ran in the shared build, and upstream unit tests assume the default vars
    warehouse.dbt("run", "--select", *[f"+{mart}" for mart in MARTS], vars=LONG_RANGE_VARS)
    yield Case("long_range", warehouse, events, LONG_RANGE_VARS)
    warehouse.drop()


@pytest.fixture(scope="module", params=["parity", "long_range"])
def case(request, parity_build, parity_expected) -> Case:
    if request.param == "parity":
        return Case("parity", parity_build, parity_expected["sessionized"])
    return request.getfixturevalue("long_range")


# --- expected values -------------------------------------------------------------------------------

def period(moment: pd.Series, grain: str) -> pd.Series:
    return moment.dt.strftime(GRAIN_FORMATS[grain]).rename("period")


def session_spans(events: pd.DataFrame, keys: list[pd.Series]) -> pd.Series:
    """Seconds from the first to the last event of each session within each group of keys."""
    moments = events.groupby([*keys, events["session_id"]], dropna=False)["moment"]
    return (moments.max() - moments.min()).dt.total_seconds()


def expected_unique(events: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    frames = []
    for grain in GRAIN_FORMATS:
        counts = events.groupby(period(events["moment"], grain))[column].nunique()  # nunique skips NULL
        frames.append(pd.DataFrame({"time_grain": grain, "period": counts.index, name: counts.to_numpy()}))
    return pd.concat(frames)


def expected_unique_users_by_location(events: pd.DataFrame) -> pd.DataFrame:
    counts = events.groupby(["application", "root_location"], dropna=False)["user_id"].nunique()
    return counts.rename("unique_users").reset_index()


def expected_session_duration(events: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for grain in GRAIN_FORMATS:
        spans = session_spans(events, [period(events["moment"], grain)])
        per_period = spans.groupby(level="period")
        lasting = spans[spans > 0].groupby(level="period")
        frame = pd.DataFrame({
            "mean_seconds": lasting.mean(),
            "sum_seconds": lasting.sum(),
            "mean_seconds_with_bounces": per_period.mean(),
            "sessions": lasting.size(),
            "bounces": spans[spans == 0].groupby(level="period").size(),
        }, index=per_period.mean().index)
        frame = frame.fillna({"sum_seconds": 0.0, "sessions": 0, "bounces": 0})
        frames.append(frame.reset_index().assign(time_grain=grain))
    columns = ["time_grain", "period", "mean_seconds", "sum_seconds", "mean_seconds_with_bounces", "sessions",
               "bounces"]
    return pd.concat(frames)[columns]


def expected_session_duration_by_location(events: pd.DataFrame) -> pd.DataFrame:
    keys = [events["application"], events["root_location"], events["moment"].dt.strftime("%Y-%m").rename("month")]
    spans = session_spans(events, keys)
    means = spans[spans > 0].groupby(level=["application", "root_location", "month"], dropna=False).mean()
    return means.rename("mean_seconds").reset_index()


def expected_quartiles(events: pd.DataFrame) -> pd.DataFrame:
    durations = session_spans(events, [])
    # pandas' default (linear) interpolation is PostgreSQL's percentile_cont
    return pd.DataFrame({"quantile": QUANTILES, "duration_seconds": durations.quantile(QUANTILES).to_numpy()})


def expected_user_frequency(events: pd.DataFrame) -> pd.DataFrame:
    sessions = events.dropna(subset=["user_id"]).groupby("user_id")["session_id"].nunique()
    counts = sessions.value_counts()
    return pd.DataFrame({"sessions_per_user": counts.index, "users": counts.to_numpy()})


def week_start(moment: pd.Series) -> pd.Series:
    return moment.dt.normalize() - pd.to_timedelta(moment.dt.weekday, unit="D")


def cohort_and_period(first: pd.Series, moment: pd.Series, time_period: str) -> tuple[pd.Series, pd.Series]:
    if time_period == "daily":
        return first.dt.strftime("%Y-%m-%d"), (moment - first) // pd.Timedelta(days=1)
    if time_period == "weekly":
        return week_start(first).dt.strftime("%Y-%m-%d"), (week_start(moment) - week_start(first)).dt.days // 7
    years = moment.dt.year - first.dt.year
    if time_period == "monthly":
        return first.dt.strftime("%Y-%m"), 12 * years + moment.dt.month - first.dt.month
    return first.dt.strftime("%Y"), years


def expected_retention(events: pd.DataFrame, event_type: str | None = None, start_date: str | None = None,
                       end_date: str | None = None) -> pd.DataFrame:
    data = events.dropna(subset=["user_id"])
    if event_type:
        data = data[data["event_type"] == event_type]
    first = data.groupby("user_id")["moment"].transform("min")
    keep = pd.Series(True, index=data.index)
    if start_date:
        keep &= first >= pd.Timestamp(start_date)
    if end_date:
        keep &= data["moment"] < pd.Timestamp(end_date)
    data, first = data[keep], first[keep]
    frames = []
    for time_period in TIME_PERIODS:
        cohort, number = cohort_and_period(first, data["moment"], time_period)
        cells = (data.groupby([cohort.rename("cohort"), number.rename("period_number")])["user_id"].nunique()
                 .rename("users").reset_index())
        sizes = cells[cells["period_number"] == 0].set_index("cohort")["users"]
        cells["cohort_users"] = cells["cohort"].map(sizes)
        cells["percentage"] = cells["users"] * 100.0 / cells["cohort_users"]
        frames.append(cells.assign(time_period=time_period))
    return pd.concat(frames)[["time_period", "cohort", "period_number", "users", "cohort_users", "percentage"]]


# --- comparison ------------------------------------------------------------------------------------

def normalized(frame: pd.DataFrame, keys: list[str], integers: list[str]) -> pd.DataFrame:
    """Text keys (None for NULL), integer counts, float measures; rows sorted by the keys."""
    frame = frame.copy()
    for column in frame.columns:
        if column in integers:
            frame[column] = frame[column].astype("int64")
        elif column in keys:
            frame[column] = frame[column].map(lambda value: None if value is None or pd.isna(value) else str(value))
        else:
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


def assert_same(got: pd.DataFrame, wanted: pd.DataFrame, keys: list[str], integers: list[str]) -> None:
    got = without_audit_column(got, wanted)
    assert list(got.columns) == list(wanted.columns)
    pd.testing.assert_frame_equal(normalized(got, keys, integers), normalized(wanted, keys, integers),
                                  check_exact=False, rtol=RELATIVE_TOLERANCE, atol=0)


def dbt_show(case: Case, *args: str, vars: dict | None = None) -> pd.DataFrame:
    """Rows of `dbt show` (all of them) on the case's warehouse."""
    output = case.warehouse.dbt("show", *args, "--output", "json", "--limit", "-1", "--quiet",
                                vars={**case.vars, **(vars or {})})
    return pd.DataFrame(json.loads(output[output.index("{"):])["show"])


# --- tests -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mart", "column"), [("unique_users", "user_id"), ("unique_sessions", "session_id")])
def test_unique_per_day_and_month(case, mart, column):
    wanted = expected_unique(case.events, column, mart)
    periods = wanted.groupby("time_grain").size()
    assert periods["day"] > 20 and (periods["month"] > 1 or case.name == "parity")
    got = case.warehouse.query(f"select * from {{schema}}.{mart}")
    assert_same(got, wanted, ["time_grain", "period"], [mart])


def test_unique_users_by_location(case):
    wanted = expected_unique_users_by_location(case.events)
    assert len(wanted) > 3 and wanted["application"].nunique() > 1
    got = case.warehouse.query("select * from {schema}.unique_users_by_location")
    assert_same(got, wanted, ["application", "root_location"], ["unique_users"])


def test_session_duration(case):
    wanted = expected_session_duration(case.events)
    assert (wanted["bounces"] > 0).any() and (wanted["sessions"] > 0).all()
    assert (wanted["mean_seconds"] > wanted["mean_seconds_with_bounces"]).any()
    got = case.warehouse.query("select * from {schema}.session_duration")
    assert_same(got, wanted, ["time_grain", "period"], ["sessions", "bounces"])


def test_session_duration_spans_are_cut_at_period_edges(case):
    """The data must hold sessions crossing midnight, so that partial spans are really compared."""
    days = case.events.groupby("session_id")["moment"].agg(lambda moments: moments.dt.date.nunique())
    assert (days > 1).any()


def test_session_duration_by_location(case):
    wanted = expected_session_duration_by_location(case.events)
    assert len(wanted) > 3
    got = case.warehouse.query("select * from {schema}.session_duration_by_location")
    assert_same(got, wanted, ["application", "root_location", "month"], [])


def test_session_duration_quartiles(case):
    wanted = expected_quartiles(case.events)
    assert wanted["duration_seconds"].is_monotonic_increasing and wanted["duration_seconds"].nunique() == 3
    got = case.warehouse.query("select * from {schema}.session_duration_quartiles")
    assert_same(got, wanted, ["quantile"], [])


def test_user_frequency(case):
    wanted = expected_user_frequency(case.events)
    assert len(wanted) > 2
    got = case.warehouse.query("select * from {schema}.user_frequency")
    assert_same(got, wanted, ["sessions_per_user"], ["sessions_per_user", "users"])


def test_long_range_data_has_anonymized_users(case):
    if case.name == "long_range":
        assert case.events["user_id"].isna().any() and case.events["user_id"].notna().any()


RETENTION_KEYS = ["time_period", "cohort", "period_number"]
RETENTION_INTEGERS = ["period_number", "users", "cohort_users"]


def test_retention_matrix(case):
    wanted = expected_retention(case.events)
    cohorts = wanted.groupby("time_period")["cohort"].nunique()
    later = wanted[wanted["period_number"] > 0].groupby("time_period").size()
    periods_that_must_vary = TIME_PERIODS if case.name == "long_range" else ["daily", "weekly"]
    for time_period in periods_that_must_vary:
        assert cohorts[time_period] > 1 and later.get(time_period, 0) > 0, time_period
    got = case.warehouse.query("select * from {schema}.retention_matrix")
    assert_same(got, wanted, RETENTION_KEYS, RETENTION_INTEGERS)


def test_retention_matrix_vars(long_range):
    """event type filter, start date (cohorts) and exclusive end date, through `dbt show` of the model
    (on the long-range data only, to keep the module fast; the unit tests check each rule by hand)."""
    case = long_range
    days = sorted(case.events["day"].unique())
    options = {"retention_event_type": "PressEvent", "retention_start_date": str(days[len(days) // 4]),
               "retention_end_date": str(days[3 * len(days) // 4])}
    wanted = expected_retention(case.events, options["retention_event_type"], options["retention_start_date"],
                                options["retention_end_date"])
    assert len(wanted) < len(expected_retention(case.events)) and (wanted["period_number"] > 0).any()
    got = dbt_show(case, "--select", "retention_matrix", vars=options)
    assert_same(got, wanted, RETENTION_KEYS, RETENTION_INTEGERS)


PIVOTS = [("weekly", 5, True), ("monthly", 3, False), ("daily", 8, False)]
PIVOT_SEPARATOR = "-- next pivot"


@pytest.fixture(scope="module")
def pivots(case) -> dict[tuple, pd.DataFrame]:
    """Each variant of PIVOTS as the macro computes it (compiled in one dbt call, then queried)."""
    calls = [f"{{{{ retention_matrix_pivot('{time_period}', max_periods={max_periods}, "
             f"percentage={str(percentage).lower()}) }}}}" for time_period, max_periods, percentage in PIVOTS]
    output = case.warehouse.dbt("compile", "--inline", f"\n{PIVOT_SEPARATOR}\n".join(calls), "--output", "json",
                                "--quiet", vars=case.vars)
    queries = json.loads(output[output.index("{"):])["compiled"].split(PIVOT_SEPARATOR)
    return {variant: case.warehouse.query(query) for variant, query in zip(PIVOTS, queries, strict=True)}


@pytest.mark.parametrize("variant", PIVOTS, ids=lambda variant: "-".join(map(str, variant)))
def test_retention_matrix_pivot(case, pivots, variant):
    time_period, max_periods, percentage = variant
    cells = expected_retention(case.events)
    cells = cells[(cells["time_period"] == time_period) & (cells["period_number"] < max_periods)]
    wanted = (cells.pivot(index="cohort", columns="period_number", values="percentage" if percentage else "users")
              .reindex(columns=range(max_periods)))
    wanted.columns = [f"_{number}" for number in wanted.columns]
    wanted = wanted.reset_index()
    got = pivots[variant]
    assert list(got["cohort"]) == sorted(got["cohort"]), "cohorts in order"
    assert_same(got, wanted, ["cohort"], [])
