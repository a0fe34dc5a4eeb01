"""Real-time KPIs from the 5-minute metric buckets: the four requests of the analytics KPI API (seed 003).

    configs   {"kpis": [{"name", "metadata": {"display_name", "unit", "description"}, "metrics"}]}
    statuses  {"statuses": [{"status": "ok" | "missing_data" | "missing_config", "kpi": <config>}]}
    values    {"start_timestamps": [...], "kpis": [{"kpi", "values", "aggregate"}]}
    metrics   {"start_timestamps": [...], "metrics": [{"name", "values"}]}

Each response gets a "warnings" list when there is something to warn about (unknown names never fail).
A range that cannot be answered (end before start, over ten years, a timestamp outside years 1970-9999)
raises InvalidRequest (the CLI exits with its message, the HTTP service answers 400).
Answers come from the tables dbt built (metric_buckets_5min and the seed kpi_definitions) on DuckDB or
PostgreSQL. Timestamps are float seconds since the Unix epoch (UTC). A values or metrics request returns
the buckets covering [start, end]: the first starts at or before start, the last ends at or after end.
The bucket size follows the range (5 minutes up to a day, an hour up to 31 days, a day beyond); that is
not part of the contract and may change. A KPI's value is sum(numerator) * scale, or sum(numerator) *
scale / sum(denominator), over each bucket, and its aggregate the same over all returned buckets: ratios
of sums, never means of ratios. A ratio whose denominator sums to 0 is null.

    make kpis ARGS="values --start 1709251200 --end 1709337600 --kpi conversion_rate" [TARGET=postgres]
    python -m objectiv_dbt.kpis --target duckdb configs --kpi sessions --kpi bounce_rate
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Callable

from objectiv_dbt.db import connect, models_schema
from objectiv_dbt.settings import TARGETS

BUCKETS_TABLE = "metric_buckets_5min"
DEFINITIONS_TABLE = "kpi_definitions"
EPOCH = datetime(1970, 1, 1)
MINUTES_5, HOUR, DAY = 300, 3600, 86400
MONTH = 31 * DAY
MAX_RANGE_SECONDS = round(10 * 365.25 * DAY)  # ten years
MAX_TIMESTAMP = (datetime(9999, 12, 31) - EPOCH).total_seconds()
# bucket size -> SQL grouping the 5-minute buckets into it (the same text on DuckDB and PostgreSQL)
PERIOD_SQL = {MINUTES_5: "bucket_start", HOUR: "date_trunc('hour', bucket_start)", DAY: "date_trunc('day', bucket_start)"}


def bucket_seconds(start: float, end: float) -> int:
    """The bucket size for a range: 5 minutes up to a day, an hour up to 31 days, a day beyond."""
    span = end - start
    return MINUTES_5 if span <= DAY else HOUR if span <= MONTH else DAY


def bucket_grid(start: float, end: float) -> tuple[int, list[float]]:
    """Bucket size and the starts of the buckets covering [start, end] (at least one bucket)."""
    size = bucket_seconds(start, end)
    first = math.floor(start / size) * size
    stop = max(math.ceil(end / size) * size, first + size)
    return size, [float(t) for t in range(first, stop, size)]


def to_epoch(moment: datetime) -> float:
    return (moment - EPOCH).total_seconds()


def to_timestamp_sql(seconds: float) -> str:
    return f"timestamp '{(EPOCH + timedelta(seconds=seconds)).isoformat(sep=' ')}'"


@dataclass(frozen=True)
class Kpi:
    """One row of the seed kpi_definitions."""

    name: str
    display_name: str
    unit: str
    description: str
    numerator_metric: str
    denominator_metric: str | None
    scale: float
    display_order: int

    @property
    def metrics(self) -> list[str]:
        return [self.numerator_metric] + ([self.denominator_metric] if self.denominator_metric else [])

    def config(self) -> dict:
        return {
            "name": self.name,
            "metadata": {"display_name": self.display_name, "unit": self.unit, "description": self.description},
            "metrics": self.metrics,
        }

    def value(self, sums: dict[str, float]) -> float | None:
        """The KPI over a period from the period's metric sums: sum * scale or a ratio of sums (None for x / 0)."""
        numerator = sums[self.numerator_metric] * self.scale
        if not self.denominator_metric:
            return numerator
        denominator = sums[self.denominator_metric]
        return numerator / denominator if denominator else None


class InvalidRequest(ValueError):
    """A request the API cannot answer; the message says why (HTTP 400)."""


def check_timestamp(name: str, seconds: float) -> float:
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_TIMESTAMP):
        raise InvalidRequest(f"{name} {seconds} is not a time between 1970 and 9999 in seconds since the epoch")
    return seconds


def check_range(start: float, end: float) -> None:
    """A range to answer: start not after end, at most ten years long."""
    if end < start:
        raise InvalidRequest(f"end_timestamp {end} is before start_timestamp {start}")
    if end - start > MAX_RANGE_SECONDS:
        raise InvalidRequest(f"the range from {start} to {end} is longer than ten years ({MAX_RANGE_SECONDS} s)")


def _fetch(connection: object, sql: str) -> tuple[list[str], list[tuple]]:
    cursor = connection.cursor()
    cursor.execute(sql)
    columns = [description[0] for description in cursor.description]
    return columns, cursor.fetchall()


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _with_warnings(response: dict, warnings: list[str]) -> dict:
    return {**response, "warnings": warnings} if warnings else response


class KpiApi:
    """The four KPI requests over one connection to the built models (DuckDB or PostgreSQL)."""

    def __init__(self, connection: object, schema: str, memo: dict | None = None):
        """memo: a dict shared by the KpiApis of data that never changes (a published snapshot), which then keep
        the definitions, metric names and data range there instead of querying them per request."""
        self.connection = connection
        self.schema = schema
        self.memo = memo

    def _remembered(self, name: str, compute: Callable[[], object]) -> object:
        if self.memo is None:
            return compute()
        if name not in self.memo:
            self.memo[name] = compute()
        return self.memo[name]

    # -- what is stored ------------------------------------------------------------------------------
    def definitions(self) -> list[Kpi]:
        return self._remembered("definitions", self._query_definitions)

    def metric_names(self) -> list[str]:
        return self._remembered("metric_names", self._query_metric_names)

    def data_range(self) -> tuple[float, float] | None:
        return self._remembered("data_range", self._query_data_range)

    def _query_definitions(self) -> list[Kpi]:
        _, rows = _fetch(self.connection, f"""
            select name, display_name, unit, description, numerator_metric, denominator_metric, scale, display_order
            from {self.schema}.{DEFINITIONS_TABLE}
            order by display_order, name""")
        return [Kpi(*row[:6], float(row[6]), int(row[7])) for row in rows]

    def _query_metric_names(self) -> list[str]:
        columns, _ = _fetch(self.connection, f"select * from {self.schema}.{BUCKETS_TABLE} where 1 = 0")
        return [column for column in columns if column not in ("bucket_start", "dbt_updated_at")]

    def _query_data_range(self) -> tuple[float, float] | None:
        _, rows = _fetch(self.connection, f"select min(bucket_start), max(bucket_start) from {self.schema}.{BUCKETS_TABLE}")
        first, last = rows[0]
        return None if first is None else (to_epoch(first), to_epoch(last) + MINUTES_5)

    def _select_kpis(self, names: list[str] | None, warnings: list[str]) -> list[Kpi]:
        """The requested KPIs in the requested order (all in display order by default); unknown: a warning."""
        definitions = self.definitions()
        if names is None:
            return definitions
        names = _unique(names)
        by_name = {kpi.name: kpi for kpi in definitions}
        warnings += [f"unknown KPI: {name}" for name in names if name not in by_name]
        return [by_name[name] for name in names if name in by_name]

    def _checked_kpis(self, kpis: list[str] | None, warnings: list[str]) -> list[tuple[Kpi, bool]]:
        """The selected KPIs, each with whether metric_buckets_5min holds all its metrics (if not: a warning)."""
        metrics = self.metric_names()
        checked = []
        for kpi in self._select_kpis(kpis, warnings):
            missing = [metric for metric in kpi.metrics if metric not in metrics]
            warnings += [f"KPI {kpi.name}: unknown metric {metric}" for metric in missing]
            checked.append((kpi, not missing))
        return checked

    def _sums(self, metrics: list[str], size: int, grid: list[float]) -> list[dict[str, float]]:
        """Per grid bucket the sum of each metric over its 5-minute buckets (0 where none are stored)."""
        sums = [dict.fromkeys(metrics, 0.0) for _ in grid]
        if not metrics:
            return sums
        period = PERIOD_SQL[size]
        columns, rows = _fetch(self.connection, f"""
            select {period} as period_start,
                {', '.join(f'cast(sum({metric}) as double precision) as {metric}' for metric in metrics)}
            from {self.schema}.{BUCKETS_TABLE}
            where bucket_start >= {to_timestamp_sql(grid[0])}
                and bucket_start < {to_timestamp_sql(grid[-1] + size)}
            group by {period}""")
        for row in rows:
            index = round((to_epoch(row[0]) - grid[0]) / size)
            sums[index] = {metric: float(value or 0.0) for metric, value in zip(columns[1:], row[1:])}
        return sums

    def _bucket_sums(self, start: float | None, end: float | None, now: float | None, metrics: list[str],
                     warnings: list[str]) -> tuple[list[float], list[dict[str, float]]]:
        """The starts of the buckets covering [start, end] (defaults: start of the data, now) and per bucket the
        sums of the metrics. InvalidRequest for a range that cannot be answered."""
        end = check_timestamp("end_timestamp", (time.time() if now is None else now) if end is None else end)
        if start is None:
            stored = self.data_range()
            if stored is None:
                warnings.append(f"no metric data in {BUCKETS_TABLE}")
            start = end if stored is None else min(stored[0], end)
        check_range(check_timestamp("start_timestamp", start), end)
        size, starts = bucket_grid(start, end)
        return starts, self._sums(metrics, size, starts)

    # -- the four requests ---------------------------------------------------------------------------
    def configs(self, kpis: list[str] | None = None) -> dict:
        warnings: list[str] = []
        selected = self._select_kpis(kpis, warnings)
        return _with_warnings({"kpis": [kpi.config() for kpi in selected]}, warnings)

    def statuses(self, kpis: list[str] | None = None) -> dict:
        """Per KPI: missing_config when it names a metric metric_buckets_5min does not hold, else missing_data
        when no bucket is stored at all, else ok."""
        warnings: list[str] = []
        checked = self._checked_kpis(kpis, warnings)
        has_data = bool(checked) and self.data_range() is not None
        statuses = [{"status": "missing_config" if not complete else "ok" if has_data else "missing_data",
                     "kpi": kpi.config()} for kpi, complete in checked]
        return _with_warnings({"statuses": statuses}, warnings)

    def values(self, start: float | None = None, end: float | None = None, kpis: list[str] | None = None,
               now: float | None = None) -> dict:
        warnings: list[str] = []
        answerable = [kpi for kpi, complete in self._checked_kpis(kpis, warnings) if complete]
        used = list(dict.fromkeys(metric for kpi in answerable for metric in kpi.metrics))
        starts, sums = self._bucket_sums(start, end, now, used, warnings)
        totals = {metric: sum(bucket[metric] for bucket in sums) for metric in used}
        return _with_warnings({
            "start_timestamps": starts,
            "kpis": [{"kpi": kpi.name, "values": [kpi.value(bucket) for bucket in sums], "aggregate": kpi.value(totals)}
                     for kpi in answerable],
        }, warnings)

    def metrics(self, start: float | None = None, end: float | None = None, names: list[str] | None = None,
                now: float | None = None) -> dict:
        warnings: list[str] = []
        stored = self.metric_names()
        names = stored if names is None else _unique(names)
        warnings += [f"unknown metric: {name}" for name in names if name not in stored]
        known = [name for name in names if name in stored]
        starts, sums = self._bucket_sums(start, end, now, known, warnings)
        return _with_warnings({
            "start_timestamps": starts,
            "metrics": [{"name": name, "values": [bucket[name] for bucket in sums]} for name in known],
        }, warnings)


# -- CLI -------------------------------------------------------------------------------------------

def parse_timestamp(text: str) -> float:
    """Float seconds since the epoch, or an ISO 8601 date/time (UTC unless it carries an offset)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not seconds since the epoch nor an ISO date/time: {text!r}") from None
    return moment.replace(tzinfo=moment.tzinfo or UTC).timestamp()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    requests = parser.add_subparsers(dest="request", required=True)
    for request in ("configs", "statuses"):
        sub = requests.add_parser(request, help=f"KPI {request}")
        sub.add_argument("--kpi", action="append", help="a KPI name (repeat for several; default all)")
    for request, option in (("values", "--kpi"), ("metrics", "--name")):
        sub = requests.add_parser(request, help=f"{request[:-1] if request == 'values' else 'metric'} values per bucket")
        sub.add_argument("--start", type=parse_timestamp, help="start timestamp (default: start of the data)")
        sub.add_argument("--end", type=parse_timestamp, help="end timestamp (default: now)")
        sub.add_argument(option, action="append", help="a name (repeat for several; default all)")
    return parser


def answer(api: KpiApi, arguments: argparse.Namespace) -> dict:
    if arguments.request == "configs":
        return api.configs(arguments.kpi)
    if arguments.request == "statuses":
        return api.statuses(arguments.kpi)
    if arguments.request == "values":
        return api.values(arguments.start, arguments.end, arguments.kpi)
    return api.metrics(arguments.start, arguments.end, arguments.name)


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    with connect(arguments.target) as connection:
        try:
            response = answer(KpiApi(connection, models_schema(arguments.target)), arguments)
        except InvalidRequest as error:
            parser.error(str(error))
    json.dump(response, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
