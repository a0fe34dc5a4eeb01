"""The report's charts: plotly figures built from the frames of queries.py. Every function returns a Chart,
which is a figure or, when there is nothing to draw, the note shown in its place."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

LAYOUT = dict(template="plotly_white", height=380, margin=dict(l=60, r=30, t=50, b=50),
              legend=dict(orientation="h", y=-0.18), font=dict(family="system-ui, sans-serif", size=12))


@dataclass(frozen=True)
class Chart:
    """One chart of the report: its title, an explanation, and a figure or (no data) None."""

    key: str
    title: str
    note: str
    figure: go.Figure | None = None


def _chart(key: str, title: str, note: str, figure: go.Figure | None, **layout) -> Chart:
    if figure is not None:
        figure.update_layout(**{**LAYOUT, **layout})
    return Chart(key, title, note, figure)


def period_lines(key: str, title: str, note: str, series: dict[str, pd.DataFrame], grain: str) -> Chart:
    """Lines of time_grain/period/value frames (one per name) at one grain ('day' or 'month')."""
    figure = go.Figure()
    for name, frame in series.items():
        if frame.empty:
            continue
        rows = frame[frame["time_grain"] == grain]
        periods = pd.to_datetime(rows["period"], format="%Y-%m-%d" if grain == "day" else "%Y-%m")
        figure.add_trace(go.Scatter(x=periods, y=rows["value"], mode="lines+markers", name=name))
    if not figure.data:
        return Chart(key, title, note)
    return _chart(key, title, note, figure, yaxis_title="count",
                  xaxis=dict(dtick="M1", tickformat="%b %Y") if grain == "month" else {})


def session_duration(daily: pd.DataFrame) -> Chart:
    key, title = "session_duration", "Session duration per day (mean, seconds)"
    note = ("`session_duration`, grain day: the mean span of the sessions' events in the day, bounces left out, "
            "and the same with bounces counted as 0.")
    if daily.empty:
        return Chart(key, title, note)
    days = pd.to_datetime(daily["period"])
    figure = go.Figure([
        go.Scatter(x=days, y=daily["mean_seconds"], mode="lines+markers", name="mean, bounces left out"),
        go.Scatter(x=days, y=daily["mean_seconds_with_bounces"], mode="lines+markers", name="mean, bounces as 0"),
    ])
    return _chart(key, title, note, figure, yaxis_title="seconds")


def duration_quartiles(quartiles: pd.DataFrame) -> Chart:
    key, title = "session_duration_quartiles", "Session duration quartiles (all sessions, seconds)"
    note = "`session_duration_quartiles`: 25 %, 50 % and 75 % of the whole sessions' durations, bounces as 0."
    if quartiles.empty:
        return Chart(key, title, note)
    labels = [f"{quantile:.0%}" for quantile in quartiles["quantile"]]
    figure = go.Figure(go.Bar(x=labels, y=quartiles["duration_seconds"], text=quartiles["duration_seconds"].round(1),
                              textposition="outside"))
    return _chart(key, title, note, figure, xaxis_title="quantile", yaxis_title="seconds")


def retention_heatmap(key: str, title: str, note: str, cells: pd.DataFrame) -> Chart:
    """Cohorts (rows) by periods since the first event (columns), the percentage of the cohort active."""
    if cells.empty:
        return Chart(key, title, note)
    matrix = cells.pivot(index="cohort", columns="period_number", values="percentage").sort_index(ascending=False)
    sizes = cells[cells["period_number"] == 0].set_index("cohort")["cohort_users"]
    rows = [f"{cohort} ({sizes.get(cohort, 0)} users)" for cohort in matrix.index]
    text = matrix.map(lambda value: "" if pd.isna(value) else f"{value:.1f} %")
    figure = go.Figure(go.Heatmap(z=matrix.values, x=[str(column) for column in matrix.columns], y=rows,
                                  text=text.values, texttemplate="%{text}", colorscale="Blues", zmin=0, zmax=100,
                                  colorbar=dict(title="%"), hoverongaps=False))
    return _chart(key, title, note, figure, xaxis_title="periods since the first event", yaxis_title="cohort",
                  height=max(300, 60 + 28 * len(rows)))


def top_features(features: pd.DataFrame) -> Chart:
    key, title = "top_product_features", "Top product features (unique users)"
    note = "`top_product_features`: unique users per application, feature and event type (interactive events)."
    if features.empty:
        return Chart(key, title, note)
    features = features.iloc[::-1]  # the largest at the top
    labels = features["feature_nice_name"] + " · " + features["event_type"] + " (" + features["application"] + ")"
    figure = go.Figure(go.Bar(x=features["unique_users"], y=labels, orientation="h", text=features["unique_users"],
                              textposition="outside"))
    return _chart(key, title, note, figure, xaxis_title="unique users", height=120 + 26 * len(features),
                  margin=dict(l=420, r=40, t=50, b=50))


def short_location(nice_name: str) -> str:
    """'Pressable: subscribe located at Root Location: home => Content: newsletter' -> 'Pressable: subscribe @
    home/newsletter': the element, then the ids of the contexts it is located in."""
    element, _, stack = nice_name.partition(" located at ")
    path = "/".join(context.partition(": ")[2] or context for context in stack.split(" => ")) if stack else ""
    return f"{element} @ {path}" if path else element


def funnel_sankey(links: pd.DataFrame) -> Chart:
    key, title = "funnel_sankey", f"Funnel: the {len(links)} largest flows between locations"
    note = ("`funnel_sankey_links`: how often a path goes from one location (nice name) to the next, the largest "
            "links first, leaving out a location followed by itself (a Sankey cannot draw those). Hover a node for its full name.")
    if links.empty:
        return Chart(key, "Funnel: flows between locations", note)
    nodes = list(dict.fromkeys([*links["source"], *links["target"]]))
    index = {node: position for position, node in enumerate(nodes)}
    figure = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=[short_location(node) for node in nodes], customdata=nodes, pad=14, thickness=14,
                  hovertemplate="%{customdata}<br>%{value} links<extra></extra>"),
        link=dict(source=[index[node] for node in links["source"]], target=[index[node] for node in links["target"]],
                  value=links["value"]),
    ))
    return _chart(key, title, note, figure, height=620)


def kpi_lines(kpis: pd.DataFrame, configs: dict) -> list[Chart]:
    """One line chart per KPI, daily values as the KPI API gives them."""
    charts = []
    for name, config in configs.items():
        metadata = config["metadata"]
        key, title = f"kpi_{name}", f"{metadata['display_name']} per day"
        note = f"KPI `{name}` ({metadata['unit']}) from the KPI API over `metric_buckets_5min`: {metadata['description']}"
        rows = kpis[kpis["kpi"] == name] if not kpis.empty else kpis
        if rows.empty:
            charts.append(Chart(key, title, note))
            continue
        figure = go.Figure(go.Scatter(x=rows["day"], y=rows["value"], mode="lines+markers", name=name,
                                      connectgaps=False))
        charts.append(_chart(key, title, note, figure, yaxis_title="%" if metadata["unit"] == "percentage" else metadata["unit"]))
    return charts


def coefficients(frame: pd.DataFrame) -> Chart:
    key, title = "logistic_regression", "Logistic regression: coefficient per root location"
    note = "`logistic_regression_coefficients`: positive means more presses there make the target more likely."
    features = frame[~frame["is_intercept"].astype(bool)] if not frame.empty else frame
    if features.empty:
        return Chart(key, title, note)
    intercept = frame.loc[frame["is_intercept"].astype(bool), "coefficient"]
    if not intercept.empty:
        title += f" (intercept {float(intercept.iloc[0]):.3f})"
    features = features.sort_values("coefficient")
    colors = ["#2a7ab0" if value >= 0 else "#c8553d" for value in features["coefficient"]]
    figure = go.Figure(go.Bar(x=features["coefficient"], y=features["feature"], orientation="h", marker_color=colors,
                              text=features["coefficient"].round(3), textposition="outside"))
    return _chart(key, title, note, figure, xaxis_title="coefficient", height=120 + 28 * len(features))
