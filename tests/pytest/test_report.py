"""The HTML report (objectiv_dbt/report): rendered from a built warehouse on each engine, opened offline in
headless Chromium with no console message and every chart drawn; its numbers equal the models and the KPI API;
empty tables give "no data" notes. On DuckDB it reads the published snapshot, as `make report` does. A screenshot
per engine is written to target/report_<engine>.png."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb
import psycopg2
import pytest

import browser
from objectiv_dbt.generate import write_events
from objectiv_dbt.kpis import KpiApi
from objectiv_dbt.publish import current_snapshot, publish
from objectiv_dbt.report import render_report
from objectiv_dbt.report.page import build_charts
from objectiv_dbt.report.queries import ReportQueries, daily_kpi_values
from objectiv_dbt.settings import PROJECT_DIR

EVENTS, SEED = 5000, 42  # the demo data of `make run`
CHART_KEYS = {"daily_users", "monthly_users", "kpi_conversion_rate", "kpi_purchase_revenue", "kpi_orders",
              "kpi_average_order_value", "session_duration", "session_duration_quartiles", "retention_monthly",
              "retention_weekly", "top_product_features", "funnel_sankey", "logistic_regression"}


@pytest.fixture(scope="module")
def built(new_warehouse, tmp_path_factory):
    warehouse = new_warehouse()
    events = tmp_path_factory.mktemp("report") / "events.ndjson"
    write_events(events, events=EVENTS, seed=SEED)
    warehouse.load(events)
    warehouse.run_all()
    if warehouse.engine == "duckdb":
        publish(warehouse.duckdb_file, warehouse.snapshot_dir)  # what `make build` does: readers read the snapshot
    return warehouse


@contextmanager
def connection_to(warehouse):
    """What the report reads: on DuckDB the published snapshot."""
    if warehouse.engine == "duckdb":
        connection = duckdb.connect(str(current_snapshot(warehouse.snapshot_dir)), read_only=True)
    else:
        connection = psycopg2.connect(warehouse.postgres.dsn())
    try:
        yield connection
    finally:
        connection.close()


def test_report_opens_offline_with_every_chart_drawn(built, chromium, tmp_path):
    with connection_to(built) as connection:
        page = render_report(connection, built.models_schema)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page), "the report must not load anything"
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")

    loaded = browser.load(path)
    assert loaded.console == [], "the page logged to the console"
    sections = browser.sections(loaded.dom)
    assert set(sections) == CHART_KEYS
    undrawn = [key for key, section in sections.items() if not browser.is_drawn(section)]
    assert undrawn == [], f"charts not drawn: {undrawn}"

    shot = PROJECT_DIR / "target" / f"report_{built.engine}.png"
    shot.unlink(missing_ok=True)
    browser.screenshot(path, shot, size=(1400, 5400))
    assert shot.stat().st_size > 100_000  # a page of charts, not a blank one


def test_report_numbers_equal_the_models(built):
    with connection_to(built) as connection:
        queries = ReportQueries(connection, built.models_schema)
        summary = queries.summary()
        page = render_report(connection, built.models_schema)
        kpis, configs = queries.kpis_daily(summary)
    counts = built.query("""select (select count(*) from {schema}.events) as events,
        (select count(*) from {schema}.users) as users, (select count(*) from {schema}.sessions) as sessions,
        (select min(moment) from {schema}.events) as first_at""").iloc[0]
    assert (summary.events, summary.users, summary.sessions) == (counts["events"], counts["users"], counts["sessions"])
    assert summary.events > 4000
    header = page.split("</header>")[0]
    for count in (summary.events, summary.users, summary.sessions):
        assert f"<dd>{count:,}</dd>" in header
    assert f"<dd>{counts['first_at']:%Y-%m-%d %H:%M}</dd>" in header

    # the report's daily KPIs are the KPI API's, which equal the SQL mart kpi_values_daily computed independently
    assert set(configs) == {"conversion_rate", "purchase_revenue", "orders", "average_order_value"}
    daily = built.query("""select bucket_start as day, kpi_name as kpi, value from {schema}.kpi_values_daily
        where kpi_name in ('conversion_rate', 'purchase_revenue', 'orders', 'average_order_value')""")
    expected = {(row.day.to_pydatetime(), row.kpi): row.value for row in daily.itertuples()}
    reported = {(row.day.to_pydatetime(), row.kpi): row.value for row in kpis.itertuples()}
    assert expected.keys() <= reported.keys()
    for key, value in expected.items():
        assert reported[key] == pytest.approx(value, rel=1e-12, nan_ok=True), key
    assert len(expected) > 100


def test_daily_kpi_values_over_more_than_a_month_equal_day_by_day(built):
    """Over 31 days the KPI API answers in daily buckets (one request), below it day by day: the same values."""
    with connection_to(built) as connection:
        api = KpiApi(connection, built.models_schema)
        start = datetime(2024, 2, 20, tzinfo=UTC).timestamp()
        long = daily_kpi_values(api, start, start + 45 * 86400, ["conversion_rate", "orders"])
        short = daily_kpi_values(api, start + 10 * 86400, start + 30 * 86400, ["conversion_rate", "orders"])
    assert len(long) == 90 and len(short) == 40
    merged = short.merge(long, on=["day", "kpi"], suffixes=("_short", "_long"))
    assert len(merged) == 40
    assert (merged["value_short"].fillna(-1) == merged["value_long"].fillna(-1)).all()
    assert merged["value_short"].notna().any()


def test_report_of_empty_tables_says_no_data(built, tmp_path):
    if built.engine != "duckdb":
        pytest.skip("the empty copies are made in DuckDB")
    connection = duckdb.connect()
    connection.execute(f"attach '{built.duckdb_file}' as built (read_only)")
    tables = connection.execute("""select table_name from information_schema.tables
        where table_catalog = 'built' and table_schema = 'main' and table_type = 'BASE TABLE'""").fetchall()
    for (table,) in tables:  # every table empty, the seed kept: a warehouse before its first events
        keep = "" if table == "kpi_definitions" else " where false"
        connection.execute(f"create table main.{table} as select * from built.main.{table}{keep}")
    connection.execute("detach built")
    queries = ReportQueries(connection, "main")
    summary = queries.summary()
    assert (summary.events, summary.first_event_at) == (0, None)
    assert all(chart.figure is None for chart in build_charts(queries, summary))
    page = render_report(connection, "main")
    assert page.count('data-chart="no-data"') == page.count("<section") == len(CHART_KEYS)
    assert "no events" in page

    nothing_built = render_report(duckdb.connect(), "main")  # no tables at all: the charts that need none
    assert nothing_built.count('data-chart="no-data"') == nothing_built.count("<section") == len(CHART_KEYS) - 4


def test_make_report_writes_the_file_quickly(built, tmp_path):
    if built.engine != "duckdb":
        pytest.skip("the command is timed once, on the default engine")
    out = tmp_path / "report.html"
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "objectiv_dbt.report", "--target", "duckdb", "--out", str(out)],
                            cwd=PROJECT_DIR, env=built.env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    assert f"from {current_snapshot(built.snapshot_dir)}" in result.stdout, "make report must read the published snapshot"
    assert elapsed < 10
    assert 4_000_000 < out.stat().st_size < 8_000_000  # plotly.js inlined (4.6 MB) and the charts' data
