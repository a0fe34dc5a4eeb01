"""The dbt Semantic Layer (models/semantic/): the metrics YAML is what the seed generates (one metric per KPI),
and MetricFlow (`mf query`) gives exactly the KPI API's values on DuckDB, per day and over ranges."""

from __future__ import annotations

import csv
import io
import math
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from objectiv_dbt import semantic_layer
from objectiv_dbt.generate import write_events
from objectiv_dbt.kpis import DAY, Kpi, KpiApi
from objectiv_dbt.report.queries import daily_kpi_values
from objectiv_dbt.settings import PROJECT_DIR

MF = Path(sys.executable).parent / "mf"


def test_metrics_yaml_is_generated_from_the_seed():
    assert semantic_layer.OUTPUT.read_text() == semantic_layer.render(), \
        "models/semantic/kpi_metrics.yml is stale: run `make semantic-layer` and commit it"


def test_every_kpi_is_a_metric_of_its_formula():
    layer = yaml.safe_load(semantic_layer.OUTPUT.read_text())
    metrics = {metric["name"]: metric for metric in layer["metrics"]}
    measures = {measure["name"]: measure for measure in layer["semantic_models"][0]["measures"]}
    kpis = semantic_layer.read_seed()
    with open(PROJECT_DIR / "seeds" / "kpi_definitions.csv", newline="") as seed:
        assert [kpi.name for kpi in kpis] == [row["name"] for row in csv.DictReader(seed)]
    for kpi in kpis:
        metric = metrics[kpi.name]
        if kpi.denominator_metric is None:
            assert metric["type"] == "simple"
            assert measures[metric["type_params"]["measure"]].get("expr", kpi.numerator_metric) == kpi.numerator_metric
        else:
            assert metric["type"] == "ratio"
            numerator, denominator = metric["type_params"]["numerator"], metric["type_params"]["denominator"]
            assert measures[metrics[denominator]["type_params"]["measure"]]["name"] == kpi.denominator_metric
            expr = measures[metrics[numerator]["type_params"]["measure"]].get("expr", kpi.numerator_metric)
            assert expr == (kpi.numerator_metric if kpi.scale == 1 else f"{kpi.numerator_metric} * {kpi.scale:g}")
        assert metric["config"]["meta"] == {"unit": kpi.unit, "display_order": kpi.display_order}


def test_a_kpi_of_an_unknown_metric_is_refused():
    kpi = Kpi("ghost_rate", "Ghost", "count", "x", "ghosts", "sessions_started", 1.0, 99)
    with pytest.raises(SystemExit, match="ghost_rate: ghosts"):
        semantic_layer.semantic_layer([kpi], {})


# -- MetricFlow against the KPI API, on a built DuckDB warehouse -------------------------------------------------

@pytest.fixture(scope="module")
def metricflow(tmp_path_factory):
    """A built DuckDB warehouse of the demo data and a function running `mf query` on it. MetricFlow reads the
    semantic manifest from <project>/target, so it runs in a folder holding the project file and the manifest
    `dbt parse` wrote for this warehouse (nothing is written into the repository)."""
    from warehouse import Warehouse

    workdir = tmp_path_factory.mktemp("semantic")
    warehouse = Warehouse("duckdb", workdir)
    events = workdir / "events.ndjson"
    write_events(events, events=5000, seed=42)
    warehouse.load(events)
    warehouse.run_all()
    warehouse.dbt("parse")
    project = workdir / "mf_project"
    (project / "target").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "dbt_project.yml", project)
    shutil.copy(workdir / "target_duckdb" / "semantic_manifest.json", project / "target")
    env = {**warehouse.env(), "DBT_PROJECT_DIR": str(project)}

    def query(*arguments: str) -> list[dict[str, str]]:
        out = workdir / "mf.csv"
        result = subprocess.run([str(MF), "query", *arguments, "--csv", str(out), "--quiet"], cwd=project, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0 and out.exists(), f"mf query failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        return list(csv.DictReader(io.StringIO(out.read_text())))

    yield warehouse, query


def _number(text: str) -> float | None:
    return float(text) if text != "" else None


def test_mf_daily_values_equal_the_kpi_api_exactly(metricflow):
    warehouse, query = metricflow
    kpis = ["conversion_rate", "average_order_value", "purchase_revenue", "sessions"]
    rows = query("--metrics", ",".join(kpis), "--group-by", "metric_time__day", "--order", "metric_time__day")
    with duckdb.connect(str(warehouse.duckdb_file), read_only=True) as connection:
        api = KpiApi(connection, "main")
        start = datetime(2024, 3, 1, tzinfo=UTC).timestamp()
        daily = daily_kpi_values(api, start, start + 30 * DAY, kpis)
    expected = {(row.day.to_pydatetime(), row.kpi): row.value for row in daily.itertuples()}
    assert len(rows) == 30  # every day of the demo data has events
    for row in rows:
        day = datetime.fromisoformat(row["metric_time__day"])
        for kpi in kpis:
            api_value = expected[(day, kpi)]
            api_value = None if api_value is None or math.isnan(api_value) else api_value
            assert _number(row[kpi]) == api_value, (day, kpi)  # the same float, not approximately
    assert sum(_number(row["conversion_rate"]) > 0 for row in rows) >= 10


@pytest.mark.parametrize("start, end", [("2024-03-05 10:00:00", "2024-03-09 15:00:00"),
                                        ("2024-03-14 08:35:00", "2024-03-14 19:05:00")])
def test_mf_over_a_range_equals_the_kpi_api_aggregate(metricflow, start, end):
    """The API's buckets of an aligned range [start, end) (hourly over 4 days, 5-minute within a day) are the
    5-minute buckets MetricFlow filters on metric_time at the minute. Sums of integer and decimal metrics are
    exact, so those KPIs are the same floats; `session_seconds` is a double whose sum depends on the order of
    the additions (the API adds hourly sums), so average_session_duration agrees to 1e-12."""
    warehouse, query = metricflow
    kpis = ["conversion_rate", "bounce_rate", "average_session_duration", "events_per_session", "purchase_revenue",
            "new_users"]
    minute = "{{ TimeDimension('metric_time', 'minute') }}"
    (row,) = query("--metrics", ",".join(kpis), "--where", f"{minute} >= '{start}' and {minute} < '{end}'")
    with duckdb.connect(str(warehouse.duckdb_file), read_only=True) as connection:
        answer = KpiApi(connection, "main").values(datetime.fromisoformat(start).replace(tzinfo=UTC).timestamp(),
                                                   datetime.fromisoformat(end).replace(tzinfo=UTC).timestamp(), kpis)
    aggregates = {kpi["kpi"]: kpi["aggregate"] for kpi in answer["kpis"]}
    over_doubles = {"average_session_duration"}
    assert {kpi: _number(row[kpi]) for kpi in kpis if kpi not in over_doubles} == \
        {kpi: value for kpi, value in aggregates.items() if kpi not in over_doubles}
    for kpi in over_doubles:
        assert _number(row[kpi]) == pytest.approx(aggregates[kpi], rel=1e-12)
    assert aggregates["conversion_rate"] > 0 and aggregates["new_users"] > 0
