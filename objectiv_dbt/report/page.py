"""The report page: one self-contained HTML document (plotly.js inlined, nothing fetched when it is opened)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import plotly.io
import plotly.offline

from objectiv_dbt.report import charts
from objectiv_dbt.report.charts import Chart
from objectiv_dbt.report.queries import ReportQueries, Summary

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
header { background: #1f3a5f; color: white; padding: 18px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header dl { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 8px 0 0; }
header dt { font-size: 11px; text-transform: uppercase; opacity: .75; }
header dd { margin: 0; font-size: 17px; font-weight: 600; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 18px; padding: 18px 32px; }
section { background: white; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 12px 16px; }
section.wide { grid-column: 1 / -1; }
section h2 { font-size: 16px; margin: 4px 0; }
section p { font-size: 12px; color: #555; margin: 0 0 6px; }
.no-data { padding: 40px; text-align: center; color: #888; border: 1px dashed #ccc; border-radius: 4px; }
code { background: #eef1f5; padding: 0 3px; border-radius: 3px; }
"""
WIDE = {"funnel_sankey", "retention_weekly", "top_product_features"}
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def _text(markdown: str) -> str:
    """Escaped text with `identifiers` as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(markdown))


def _section(chart: Chart) -> str:
    if chart.figure is None:
        body = '<div class="no-data">No data: the table is empty or not built.</div>'
    else:
        body = plotly.io.to_html(chart.figure, full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.key}",
                                 config=PLOTLY_CONFIG)
    wide = ' class="wide"' if chart.key in WIDE else ""
    return (f'<section{wide} id="{chart.key}" data-chart="{"drawn" if chart.figure else "no-data"}">'
            f"<h2>{html.escape(chart.title)}</h2><p>{_text(chart.note)}</p>{body}</section>")


def _header(summary: Summary, schema: str, built_at: datetime) -> str:
    def moment(value: datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else "no events"

    facts = [("data from (UTC)", moment(summary.first_event_at)), ("data to (UTC)", moment(summary.last_event_at)),
             ("events", f"{summary.events:,}"), ("users", f"{summary.users:,}"), ("sessions", f"{summary.sessions:,}"),
             ("schema", schema), ("built (UTC)", built_at.strftime("%Y-%m-%d %H:%M:%S"))]
    items = "".join(f"<div><dt>{label}</dt><dd>{html.escape(value)}</dd></div>" for label, value in facts)
    return f"<header><h1>Objectiv product analytics</h1><dl>{items}</dl></header>"


def build_charts(queries: ReportQueries, summary: Summary) -> list[Chart]:
    users, sessions, new_users = (queries.per_period("unique_users", "unique_users"), queries.per_period(
        "unique_sessions", "unique_sessions"), queries.new_users())
    series = {"unique users": users, "new users": new_users, "sessions": sessions}
    lines_note = ("`unique_users`, `unique_sessions` (sessions with events in the period) and new users "
                  "(`metric_buckets_5min.new_users`: users whose first event falls in the period).")
    kpis, configs = queries.kpis_daily(summary)
    return [
        charts.period_lines("daily_users", "Users and sessions per day", lines_note, series, "day"),
        charts.period_lines("monthly_users", "Users and sessions per month", lines_note, series, "month"),
        *charts.kpi_lines(kpis, configs),
        charts.session_duration(queries.session_duration()),
        charts.duration_quartiles(queries.session_duration_quartiles()),
        charts.retention_heatmap("retention_monthly", "Retention by month (% of the cohort active)",
                                 "`retention_matrix`, monthly: cohorts by the month of the users' first event.",
                                 queries.retention("monthly")),
        charts.retention_heatmap("retention_weekly", "Retention by week (% of the cohort active)",
                                 "`retention_matrix`, weekly: cohorts by the ISO week (Monday) of the first event.",
                                 queries.retention("weekly")),
        charts.top_features(queries.top_features()),
        charts.funnel_sankey(queries.sankey_links()),
        charts.coefficients(queries.coefficients()),
    ]


def render_report(connection: object, schema: str, built_at: datetime | None = None) -> str:
    """The whole report as one HTML document, from the models in `schema` (DuckDB or PostgreSQL connection)."""
    queries = ReportQueries(connection, schema)
    summary = queries.summary()
    sections = "\n".join(_section(chart) for chart in build_charts(queries, summary))
    built_at = built_at or datetime.now(UTC)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Objectiv product analytics</title>
<style>{STYLE}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head>
<body>
{_header(summary, schema, built_at)}
<main>
{sections}
</main>
</body>
</html>
"""
