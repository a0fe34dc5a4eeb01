"""What the report shows, read from the built models: one small query per chart, the same SQL on DuckDB and
PostgreSQL. A table that is not built gives an empty frame (the chart then says so), never a failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from objectiv_dbt.db import query
from objectiv_dbt.kpis import DAY, MONTH, KpiApi

TOP_FEATURES = 15
TOP_SANKEY_LINKS = 25
REPORT_KPIS = ("conversion_rate", "purchase_revenue", "orders", "average_order_value")


@dataclass(frozen=True)
class Summary:
    first_event_at: datetime | None
    last_event_at: datetime | None
    events: int
    users: int
    sessions: int


class ReportQueries:
    """The report's queries over one connection to the models' schema."""

    def __init__(self, connection: object, schema: str):
        self.connection = connection
        self.schema = schema
        self.tables = set(query(connection, f"""
            select table_name from information_schema.tables where table_schema = '{schema}'""")["table_name"])

    def _frame(self, table: str, sql: str) -> pd.DataFrame:
        """The query's rows, or an empty frame when `table` is not built."""
        if table not in self.tables:
            return pd.DataFrame()
        return query(self.connection, sql.format(schema=self.schema))

    def _count(self, table: str) -> int:
        frame = self._frame(table, f"select count(*) as n from {{schema}}.{table}")
        return int(frame["n"].iloc[0]) if not frame.empty else 0

    def summary(self) -> Summary:
        span = self._frame("events", "select min(moment) as first_at, max(moment) as last_at from {schema}.events")
        first, last = (span.iloc[0].tolist() if not span.empty else (None, None))
        return Summary(None if pd.isna(first) else first, None if pd.isna(last) else last,
                       self._count("events"), self._count("users"), self._count("sessions"))

    def per_period(self, table: str, column: str) -> pd.DataFrame:
        """time_grain, period, value of a per-period mart (unique_users, unique_sessions)."""
        return self._frame(table, f"""
            select time_grain, period, {column} as value from {{schema}}.{table} order by time_grain, period""")

    def new_users(self) -> pd.DataFrame:
        """time_grain, period, value: users whose first event falls in the day or month (metric new_users)."""
        days = self._frame("metric_buckets_5min", """
            select date_trunc('day', bucket_start) as day_start, sum(new_users) as value
            from {schema}.metric_buckets_5min group by date_trunc('day', bucket_start) order by day_start""")
        if days.empty:
            return days
        days["value"] = days["value"].astype(float)
        starts = pd.to_datetime(days["day_start"])
        daily = pd.DataFrame({"time_grain": "day", "period": starts.dt.strftime("%Y-%m-%d"), "value": days["value"]})
        monthly = (days.assign(period=starts.dt.strftime("%Y-%m")).groupby("period", as_index=False)["value"].sum()
                   .assign(time_grain="month"))
        return pd.concat([daily, monthly[["time_grain", "period", "value"]]], ignore_index=True)

    def session_duration(self) -> pd.DataFrame:
        return self._frame("session_duration", """
            select period, mean_seconds, mean_seconds_with_bounces, sessions, bounces
            from {schema}.session_duration where time_grain = 'day' order by period""")

    def session_duration_quartiles(self) -> pd.DataFrame:
        return self._frame("session_duration_quartiles", """
            select quantile, duration_seconds from {schema}.session_duration_quartiles order by quantile""")

    def retention(self, time_period: str) -> pd.DataFrame:
        return self._frame("retention_matrix", f"""
            select cohort, period_number, percentage, users, cohort_users from {{schema}}.retention_matrix
            where time_period = '{time_period}' order by cohort, period_number""")

    def top_features(self, limit: int = TOP_FEATURES) -> pd.DataFrame:
        return self._frame("top_product_features", f"""
            select application, feature_nice_name, event_type, unique_users from {{schema}}.top_product_features
            order by unique_users desc, application, feature_nice_name, event_type limit {limit}""")

    def sankey_links(self, limit: int = TOP_SANKEY_LINKS) -> pd.DataFrame:
        return self._frame("funnel_sankey_links", f"""
            select source, target, value from {{schema}}.funnel_sankey_links
            where source <> target
            order by value desc, source, target limit {limit}""")

    def coefficients(self) -> pd.DataFrame:
        return self._frame("logistic_regression_coefficients", """
            select feature, is_intercept, coefficient from {schema}.logistic_regression_coefficients
            order by coefficient desc, feature""")

    def kpis_daily(self, summary: Summary) -> tuple[pd.DataFrame, dict]:
        """Per UTC day of the data the report's KPIs as the KPI API gives them, and their configs by name."""
        if not {"metric_buckets_5min", "kpi_definitions"} <= self.tables:
            return pd.DataFrame(), {}
        api = KpiApi(self.connection, self.schema)
        configs = {config["name"]: config for config in api.configs(list(REPORT_KPIS))["kpis"]}
        if summary.first_event_at is None:
            return pd.DataFrame(), configs
        start = _day_floor(summary.first_event_at)
        end = _day_floor(summary.last_event_at) + DAY
        return daily_kpi_values(api, start, end, list(configs)), configs


def _day_floor(moment: datetime) -> float:
    seconds = moment.replace(tzinfo=UTC).timestamp()
    return seconds - seconds % DAY


def daily_kpi_values(api: KpiApi, start: float, end: float, kpis: list[str]) -> pd.DataFrame:
    """day (UTC), kpi, value for the days in [start, end) (whole days, epoch seconds), exactly the KPI API's values:
    the API answers in daily buckets for a range over 31 days, so a shorter range is asked for one day at a time
    (its aggregate over the day)."""
    if not kpis:
        return pd.DataFrame(columns=["day", "kpi", "value"])
    if end - start > MONTH:
        answer = api.values(start, end - 1, kpis)
        rows = [(day, kpi["kpi"], value) for kpi in answer["kpis"]
                for day, value in zip(answer["start_timestamps"], kpi["values"]) if day < end]
    else:
        rows = []
        for day in range(int(start), int(end), DAY):
            answer = api.values(day, day + DAY, kpis)
            rows += [(float(day), kpi["kpi"], kpi["aggregate"]) for kpi in answer["kpis"]]
    frame = pd.DataFrame(rows, columns=["day", "kpi", "value"])
    frame["day"] = pd.to_datetime(frame["day"], unit="s")
    return frame
