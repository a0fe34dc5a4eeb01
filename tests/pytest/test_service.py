"""The KPI service end to end on both engines: a real uvicorn process on a free loopback port over a built
warehouse (DuckDB: its published snapshot), driven over HTTP.

- every endpoint answers what the CLI answers (objectiv_dbt.kpis, the same JSON) and what pandas computes from
  the metric buckets and the seed's formulas;
- roles and keys: root and manager 200; backend and another role 403; missing, malformed, unknown, wrong
  secret and revoked (also revoked while the service runs) 401; no key in the service's log;
- bad requests: 400 with a message (never 422 or 500); SQL-looking names are warnings and change nothing;
- a `dbt build` of more data while 20 concurrent clients hit the service: zero errors, every answer equal to
  the one before the build or the one after it, both seen (DuckDB: the publish switches the snapshot under
  the running service; PostgreSQL: dbt's swaps are transactional);
- publishing: what is published, pruning to current + previous, a BI reader holding the snapshot open does
  not make `dbt run` (nor the next publish) fail, views work in a copy of the build file under another name.
"""

from __future__ import annotations

import json
import math
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pandas as pd
import psycopg2
import pytest
from test_metrics_kpis import close, kpi_definitions, kpi_value
from warehouse import Warehouse

from objectiv_dbt import kpis
from objectiv_dbt.generate import write_events
from objectiv_dbt.publish import CURRENT, current_snapshot, publish
from objectiv_dbt.service.keys import KeyStore
from objectiv_dbt.service.app import answer_json
from objectiv_dbt.service.loadtest import body_fingerprint, fingerprint, run_load
from objectiv_dbt.settings import PROJECT_DIR

FIRST_DATA = {"events": 3000, "seed": 501, "start": date(2024, 3, 1), "days": 3}
MORE_DATA = {"events": 1500, "seed": 502, "start": date(2024, 3, 4), "days": 2}  # after the first: all staged
START, END = 1709251200.0, 1709769600.0  # 2024-03-01 .. 2024-03-07: hourly buckets
RANGE = f"start_timestamp={START}&end_timestamp={END}"
VALUES = "/analytics/kpis/values/"
METRICS = "/analytics/metrics/values/"
STATUS = "/analytics/kpis/status/"
CONFIGS = "/analytics/kpis/configs/"
SQL_LOOKING = "x'; drop table metric_buckets_5min; --"


# --- the service process --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_service(warehouse: Warehouse, keys_file: Path, log_file: Path):
    """`python -m objectiv_dbt.service` on a free port of 127.0.0.1; yields its base URL."""
    port = free_port()
    env = {**warehouse.env(), "KPI_API_KEYS_FILE": str(keys_file)}
    command = [sys.executable, "-m", "objectiv_dbt.service", "--target", warehouse.engine, "--port", str(port)]
    with open(log_file, "w") as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, log_file.read_text()
            time.sleep(0.2)
        else:
            raise AssertionError(f"the service did not start:\n{log_file.read_text()}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def build(warehouse: Warehouse) -> None:
    """What `make build` does: dbt build, then on DuckDB publish, on PostgreSQL the Python models."""
    for command, env in build_commands(warehouse):
        result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
        assert result.returncode == 0, f"{command[:2]} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


def build_commands(warehouse: Warehouse) -> list[tuple[list[str], dict]]:
    commands = [warehouse.dbt_command("build")]
    if warehouse.engine == "duckdb":
        commands.append(([sys.executable, "-m", "objectiv_dbt.publish"], warehouse.env()))
    else:
        commands.append(warehouse.dbt_command("build", "--select", "path:python_models+", target="postgres_python"))
    return commands


@pytest.fixture(scope="module")
def data_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("service_data")
    files = {"first": folder / "first.ndjson", "more": folder / "more.ndjson"}
    write_events(files["first"], **FIRST_DATA)
    write_events(files["more"], **MORE_DATA)
    return files


@pytest.fixture(scope="module")
def built(new_warehouse, data_files) -> Warehouse:
    warehouse = new_warehouse()
    warehouse.load(data_files["first"])
    build(warehouse)
    return warehouse


@pytest.fixture(scope="module")
def keys(built, tmp_path_factory) -> dict[str, str]:
    """Keys of every kind in a fresh keys file (its path under the key "file")."""
    path = tmp_path_factory.mktemp("keys") / "api_keys.json"
    store = KeyStore(path)
    made = {role: store.create(f"{role}_user", role) for role in ("root", "manager", "backend", "viewer")}
    made["revoked"] = store.create("gone", "manager")
    store.revoke("gone")
    made["revoked_live"] = store.create("leaving", "manager")
    return {**made, "file": str(path)}


@pytest.fixture(scope="module")
def service(built, keys, tmp_path_factory):
    log_file = tmp_path_factory.mktemp("service_log") / "service.log"
    with running_service(built, Path(keys["file"]), log_file) as url:
        yield {"url": url, "log": log_file}


def get(service: dict, path: str, key: str | None = None, headers: dict | None = None) -> httpx.Response:
    headers = dict(headers or {})
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.get(f"{service['url']}{path}", headers=headers, timeout=30)


def answer(service: dict, keys: dict, path: str) -> dict:
    response = get(service, path, keys["manager"])
    assert response.status_code == 200, response.text
    return response.json()


def run_cli(warehouse: Warehouse, *arguments: str) -> dict:
    command = [sys.executable, "-m", "objectiv_dbt.kpis", "--target", warehouse.engine, *arguments]
    result = subprocess.run(command, cwd=PROJECT_DIR, env=warehouse.env(), capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


# --- answers --------------------------------------------------------------------------------------------

CLI_EQUIVALENTS = [
    (f"{STATUS}", ["statuses"]),
    (f"{STATUS}?kpis=average_order_value&kpis=no_such_kpi&kpis=sessions", ["statuses", "--kpi", "average_order_value",
                                                                            "--kpi", "no_such_kpi", "--kpi", "sessions"]),
    (f"{CONFIGS}", ["configs"]),
    (f"{CONFIGS}?kpis=bounce_rate&kpis=conversion_rate", ["configs", "--kpi", "bounce_rate", "--kpi", "conversion_rate"]),
    (f"{VALUES}?{RANGE}", ["values", "--start", str(START), "--end", str(END)]),
    (f"{VALUES}?start_timestamp=1709290000.5&end_timestamp=1709300000&kpis=conversion_rate&kpis=nope",
     ["values", "--start", "1709290000.5", "--end", "1709300000", "--kpi", "conversion_rate", "--kpi", "nope"]),
    (f"{METRICS}?{RANGE}", ["metrics", "--start", str(START), "--end", str(END)]),
    (f"{METRICS}?start_timestamp=1709251200&end_timestamp=1709900000&names=events&names=purchase_conversion_value",
     ["metrics", "--start", "1709251200", "--end", "1709900000", "--name", "events", "--name", "purchase_conversion_value"]),
]


@pytest.mark.parametrize("path,cli", CLI_EQUIVALENTS)
def test_endpoints_answer_what_the_cli_answers(built, service, keys, path, cli):
    assert fingerprint(answer(service, keys, path)) == fingerprint(run_cli(built, *cli))


def stored_buckets(warehouse: Warehouse) -> pd.DataFrame:
    """metric_buckets_5min as readers see it (DuckDB: the published snapshot)."""
    if warehouse.engine == "duckdb":
        with duckdb.connect(str(current_snapshot(warehouse.snapshot_dir)), read_only=True) as connection:
            frame = connection.execute("select * from main.metric_buckets_5min").df()
    else:
        frame = warehouse.query("select * from {schema}.metric_buckets_5min")
    frame["bucket_start"] = pd.to_datetime(frame["bucket_start"])
    return frame.drop(columns="dbt_updated_at").set_index("bucket_start").astype(float)


def test_values_equal_pandas_over_the_buckets(built, service, keys):
    """Hourly buckets over six days: per hour the sums of its 5-minute buckets and the seed's formula on them;
    aggregates the formula on the sums over all returned hours."""
    values, metrics = answer(service, keys, f"{VALUES}?{RANGE}"), answer(service, keys, f"{METRICS}?{RANGE}")
    hours = [float(t) for t in range(int(START), int(END), 3600)]
    assert values["start_timestamps"] == hours == metrics["start_timestamps"]
    buckets = stored_buckets(built)
    buckets = buckets[(buckets.index >= pd.Timestamp(START, unit="s")) & (buckets.index < pd.Timestamp(END, unit="s"))]
    per_hour = buckets.groupby(buckets.index.floor("h")).sum()
    per_hour = per_hour.reindex(pd.to_datetime(hours, unit="s"), fill_value=0.0)
    assert per_hour["events"].sum() > 1000
    for metric in metrics["metrics"]:
        assert all(close(got, wanted) for got, wanted in zip(metric["values"], per_hour[metric["name"]])), metric["name"]
    assert {metric["name"] for metric in metrics["metrics"]} == set(buckets.columns)
    totals = per_hour.sum().to_dict()
    definitions = kpi_definitions().set_index("name", drop=False)
    assert [kpi["kpi"] for kpi in values["kpis"]] == list(definitions["name"])
    for kpi in values["kpis"]:
        definition = definitions.loc[kpi["kpi"]]
        assert close(kpi["aggregate"], kpi_value(definition, totals)), kpi["kpi"]
        wanted = [kpi_value(definition, row) for row in per_hour.to_dict("records")]
        assert all(close(got, want) for got, want in zip(kpi["values"], wanted)), kpi["kpi"]


def test_statuses_say_ok_and_configs_follow_the_seed(service, keys):
    statuses = answer(service, keys, STATUS)
    assert [status["status"] for status in statuses["statuses"]] == ["ok"] * len(kpi_definitions())
    configs = answer(service, keys, f"{CONFIGS}?kpis=average_order_value")
    assert configs == {"kpis": [{"name": "average_order_value", "metadata": configs["kpis"][0]["metadata"],
                                 "metrics": ["purchase_conversion_value", "purchase_conversions"]}]}
    assert configs["kpis"][0]["metadata"]["unit"] == "usd"


def test_openapi_docs(service):
    assert httpx.get(f"{service['url']}/docs", timeout=10).status_code == 200
    paths = httpx.get(f"{service['url']}/openapi.json", timeout=10).json()["paths"]
    assert {STATUS, CONFIGS, VALUES, METRICS} <= set(paths)


# --- roles and keys -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [STATUS, CONFIGS, f"{VALUES}?{RANGE}", f"{METRICS}?{RANGE}"])
def test_roles(service, keys, path):
    assert get(service, path, keys["root"]).status_code == 200
    assert get(service, path, keys["manager"]).status_code == 200
    assert get(service, path, headers={"X-API-Key": keys["manager"]}).status_code == 200
    for role in ("backend", "viewer"):
        response = get(service, path, keys[role])
        assert response.status_code == 403 and role in response.json()["detail"]


def test_bad_keys_get_401(service, keys):
    known_id = keys["manager"].split("_")[1]
    bad = {
        "missing": {},
        "bearer without a key": {"Authorization": "Bearer"},
        "basic scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
        "malformed bearer": {"Authorization": "Bearer not-a-key"},
        "malformed header key": {"X-API-Key": "okpi_123"},
        "unknown key": {"Authorization": f"Bearer okpi_{'0' * 12}_{'1' * 48}"},
        "wrong secret": {"Authorization": f"Bearer okpi_{known_id}_{'2' * 48}"},
        "revoked": {"Authorization": f"Bearer {keys['revoked']}"},
    }
    for kind, headers in bad.items():
        response = get(service, CONFIGS, headers=headers)
        assert response.status_code == 401, kind
        assert response.headers["www-authenticate"] == "Bearer" and response.json()["detail"], kind


def test_revoking_a_key_takes_effect_without_restart(service, keys, built):
    assert get(service, CONFIGS, keys["revoked_live"]).status_code == 200
    subprocess.run([sys.executable, "-m", "objectiv_dbt.service.keys", "revoke", "--name", "leaving"], cwd=PROJECT_DIR,
                   env={**built.env(), "KPI_API_KEYS_FILE": keys["file"]}, check=True, capture_output=True)
    assert get(service, CONFIGS, keys["revoked_live"]).status_code == 401
    assert get(service, CONFIGS, keys["manager"]).status_code == 200


def test_keys_file_holds_no_key(keys):
    text = Path(keys["file"]).read_text()
    assert not any(key in text or key.split("_")[2] in text for name, key in keys.items() if name != "file")
    assert Path(keys["file"]).stat().st_mode & 0o077 == 0


# --- bad requests ---------------------------------------------------------------------------------------

BAD_REQUESTS = [
    (f"{VALUES}?start_timestamp=abc", "must be seconds"),
    (f"{VALUES}?start_timestamp=&end_timestamp=1709769600", "must be seconds"),
    (f"{METRICS}?start_timestamp=1709251200&end_timestamp=tomorrow", "must be seconds"),
    (f"{VALUES}?start_timestamp=nan&end_timestamp=1709769600", "between 1970 and 9999"),
    (f"{VALUES}?start_timestamp=1e300&end_timestamp=1e301", "between 1970 and 9999"),
    (f"{METRICS}?start_timestamp=-5&end_timestamp=1709769600", "between 1970 and 9999"),
    (f"{VALUES}?start_timestamp={END}&end_timestamp={START}", "before"),
    (f"{METRICS}?start_timestamp={END}&end_timestamp={START}", "before"),
    (f"{VALUES}?start_timestamp=4102444800", "before"),  # after "now", the default end
    (f"{VALUES}?start_timestamp=0&end_timestamp=400000000", "ten years"),
    (f"{METRICS}?start_timestamp=1000000000&end_timestamp=1709769600", "ten years"),
    (f"{VALUES}?kpi=sessions", "unknown query parameter"),
    (f"{STATUS}?names=events", "unknown query parameter"),
    (f"{VALUES}?start_timestamp=1&start_timestamp=2", "more than once"),
    (f"{CONFIGS}?" + "&".join(f"kpis=k{i}" for i in range(101)), "at most 100"),
    (f"{METRICS}?names={'n' * 201}", "longer than 200"),
]


@pytest.mark.parametrize("path,message", BAD_REQUESTS)
def test_bad_requests_get_400_with_a_message(service, keys, path, message):
    response = get(service, path, keys["manager"])
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"]


def test_sql_looking_names_are_only_names(built, service, keys):
    rows_before = len(stored_buckets(built))
    for path in (f"{STATUS}?kpis={SQL_LOOKING}", f"{CONFIGS}?kpis={SQL_LOOKING}&kpis=sessions",
                 f"{VALUES}?{RANGE}&kpis={SQL_LOOKING}", f"{METRICS}?{RANGE}&names={SQL_LOOKING}&names=events",
                 f"{METRICS}?{RANGE}&names=events from metric_buckets_5min; select 1 as events"):
        response = answer(service, keys, path)
        assert any(SQL_LOOKING in w or "select 1" in w for w in response["warnings"]), path
    assert len(stored_buckets(built)) == rows_before > 0
    assert built.query("select count(*) as n from {schema}.metric_buckets_5min")["n"][0] > 0


def test_keys_never_in_the_log(service, keys):
    log = service["log"].read_text()
    assert f'"GET {VALUES}?{RANGE}' in log  # the access log prints paths and query strings
    for name, key in keys.items():
        if name != "file":
            assert key not in log and key.split("_")[2] not in log, name


# --- publishing -----------------------------------------------------------------------------------------

def test_published_tables(built):
    if built.engine != "duckdb":
        pytest.skip("PostgreSQL readers read the warehouse tables")
    with duckdb.connect(str(current_snapshot(built.snapshot_dir)), read_only=True) as connection:
        tables = {name for (name,) in connection.execute("select table_name from information_schema.tables").fetchall()}
    with duckdb.connect(str(built.duckdb_file), read_only=True) as connection:
        built_tables = connection.execute("select table_name from information_schema.tables where table_schema = 'main'").df()
    marts = {name for name in built_tables["table_name"] if not name.startswith(("base_", "stg_", "int_"))}
    assert marts <= tables
    assert {"metric_buckets_5min", "kpi_definitions", "events", "funnel_paths", "logistic_regression_coefficients",
            "stg_objectiv__quarantined_events", "snapshot_info"} <= tables
    assert not {name for name in tables if name.startswith(("base_", "int_"))}


def test_views_work_under_another_file_name(built, tmp_path):
    """The build file copied under another name and attached under an alias: every view still reads."""
    if built.engine != "duckdb":
        pytest.skip("DuckDB files only")
    copy = tmp_path / "some_other_name.duckdb"
    shutil.copy(built.duckdb_file, copy)
    with duckdb.connect() as connection:
        connection.execute(f"attach '{copy}' as elsewhere (read_only)")
        views = [name for (name,) in connection.execute(
            "select view_name from duckdb_views() where database_name = 'elsewhere' and not internal").fetchall()]
        assert "stg_objectiv__location_stack" in views
        for view in views:
            assert connection.execute(f"select count(*) from elsewhere.main.{view}").fetchone()[0] >= 0, view


def test_bi_reader_holding_the_snapshot_does_not_block_dbt_run(built):
    """A BI tool holds current.duckdb open: `dbt run` and the next publish succeed; the reader keeps its build."""
    if built.engine != "duckdb":
        pytest.skip("DuckDB files only")
    directory = built.snapshot_dir
    held = current_snapshot(directory)
    with duckdb.connect(str(directory / CURRENT), read_only=True) as reader:
        before = reader.execute("select published_at from main.snapshot_info").fetchone()
        built.dbt("run", "--select", "kpi_values_daily")
        publish(built.duckdb_file, directory)
        publish(built.duckdb_file, directory)  # the held snapshot is now older than current and previous: deleted
        assert not held.exists() and current_snapshot(directory) != held
        assert reader.execute("select published_at from main.snapshot_info").fetchone() == before
        assert reader.execute("select count(*) from main.metric_buckets_5min").fetchone()[0] > 0
    assert len(list(directory.glob("*Z.duckdb"))) == 2


def test_publish_copies_published_relations_only(tmp_path):
    """By hand: internal layers stay out, views become tables, a failed copy leaves current as it was."""
    warehouse = tmp_path / "hand.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create table metric_buckets_5min as select timestamp '2024-03-01' as bucket_start, 3 as events")
        connection.execute("create table int_events_flagged as select 1 as x")
        connection.execute("create view base_objectiv__events as select 1 as x")
        connection.execute("create view daily_events as select bucket_start, events from metric_buckets_5min")
    first = publish(warehouse, tmp_path / "snapshots")
    with duckdb.connect(str(first), read_only=True) as connection:
        rows = connection.execute("select table_name, table_type from information_schema.tables order by 1").fetchall()
        assert connection.execute("select * from daily_events").fetchall() == [(pd.Timestamp("2024-03-01"), 3)]
    assert rows == [("daily_events", "BASE TABLE"), ("metric_buckets_5min", "BASE TABLE"), ("snapshot_info", "BASE TABLE")]
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("drop view daily_events")
        connection.execute("drop table metric_buckets_5min")
    with pytest.raises(Exception, match="metric_buckets_5min"):
        publish(warehouse, tmp_path / "snapshots")
    assert current_snapshot(tmp_path / "snapshots") == first
    assert sorted(path.name for path in (tmp_path / "snapshots").iterdir() if path.name != ".publish.lock") == \
        sorted([first.name, CURRENT])


# --- a build while the service answers ------------------------------------------------------------------

CONCURRENT_PATHS = [f"{VALUES}?{RANGE}", f"{METRICS}?{RANGE}&names=events&names=sessions_started",
                    f"{VALUES}?start_timestamp=1709337600&end_timestamp=1709424000&kpis=conversion_rate", STATUS]


def direct_answers(warehouse: Warehouse) -> dict[str, str]:
    """The fingerprint of each concurrent path's answer, computed by KpiApi straight from what readers read
    (byte for byte the service's JSON of it)."""
    if warehouse.engine == "duckdb":
        connection = duckdb.connect(str(current_snapshot(warehouse.snapshot_dir)), read_only=True)
    else:
        connection = psycopg2.connect(warehouse.postgres.dsn())
    api = kpis.KpiApi(connection, warehouse.models_schema)
    try:
        answers = {
            CONCURRENT_PATHS[0]: api.values(START, END),
            CONCURRENT_PATHS[1]: api.metrics(START, END, ["events", "sessions_started"]),
            CONCURRENT_PATHS[2]: api.values(1709337600, 1709424000, ["conversion_rate"]),
            CONCURRENT_PATHS[3]: api.statuses(),
        }
        return {path: body_fingerprint(answer_json(answer)) for path, answer in answers.items()}
    finally:
        connection.close()


def test_a_build_while_serving(built, service, keys, data_files):
    """More events loaded, then `dbt build` (and publish) runs while 20 clients send requests (at most 40/s
    until 100 after the build, at most 8,000 and 400 s): no error; each answer is the one before the build or
    the one after."""
    before = direct_answers(built)
    built.load(data_files["more"])
    commands = build_commands(built)
    script = " && ".join(subprocess.list2cmdline(command) for command, _ in commands)
    env = {name: value for _, command_env in commands for name, value in command_env.items()}
    result = run_load(service["url"], keys["manager"], CONCURRENT_PATHS, concurrency=20, requests=8000,
                      max_seconds=400, during=["bash", "-c", script], tail=100, rate=40,
                      command_env=env, command_cwd=str(PROJECT_DIR), command_log=str(built.workdir / "build.log"))
    print(f"\n{built.engine}, during a build:\n{result.summary()}")
    assert result.command_returncode == 0, f"the build failed:\n{(built.workdir / 'build.log').read_text()[-5000:]}"
    after = direct_answers(built)
    assert before[CONCURRENT_PATHS[0]] != after[CONCURRENT_PATHS[0]], "the build must change the answers"
    assert not result.errors, result.summary()
    assert len(result.outcomes) >= 500
    changing = CONCURRENT_PATHS[0]
    for outcome in result.outcomes:
        assert outcome.fingerprint in (before[outcome.path], after[outcome.path]), \
            f"{outcome.path}: an answer that is neither the one before nor the one after the build"
    seen = [outcome.fingerprint == after[changing] for outcome in result.outcomes if outcome.path == changing]
    assert 0 < seen.count(False) and seen.count(True) >= 20, "both the old and the new data must be answered"
    if built.engine == "duckdb":
        assert len({outcome.snapshot for outcome in result.outcomes}) == 2


# --- the pieces by hand ---------------------------------------------------------------------------------

def test_answer_cache_computes_identical_requests_once():
    from concurrent.futures import ThreadPoolExecutor
    from threading import Event

    from objectiv_dbt.service.snapshot import AnswerCache

    cache, release, calls = AnswerCache(size=2), Event(), []

    def slow() -> bytes:
        calls.append(1)
        release.wait(5)
        return b"answer"

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(cache.get, "k", slow) for _ in range(8)]
        time.sleep(0.2)
        release.set()
        assert [future.result() for future in futures] == [b"answer"] * 8
    assert len(calls) == 1 and cache.peek("k") == b"answer"
    cache.get("a", lambda: b"1")
    cache.get("b", lambda: b"2")
    assert cache.peek("k") is None and cache.peek("b") == b"2"  # least recently used dropped
    with pytest.raises(ZeroDivisionError):
        cache.get("bad", lambda: 1 / 0)
    assert cache.peek("bad") is None


def test_key_commands_refuse_what_they_cannot_do(tmp_path):
    from objectiv_dbt.service.keys import KeyCommandError

    store = KeyStore(tmp_path / "keys.json")
    key = store.create("alice", "manager")
    for name, role, message in (("alice", "manager", "exists"), ("bad name!", "manager", "NAME"),
                                ("bob", "Manager", "ROLE")):
        with pytest.raises(KeyCommandError, match=message):
            store.create(name, role)
    with pytest.raises(KeyCommandError, match="no active key"):
        store.revoke("nobody")
    assert store.verify(key).role == "manager" and store.known(key) is not None
    assert store.revoke("alice") == 1
    assert store.known(key) is None and store.verify(key) is None
    assert store.create("alice", "root") != key  # the name is free again once revoked


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_nothing_to_read_is_503_with_what_to_do(tmp_path):
    """No snapshot published yet, then one without kpi_definitions: 503 saying to build, never a 500."""
    from fastapi.testclient import TestClient

    from objectiv_dbt.service.app import create_app
    from objectiv_dbt.service.snapshot import DuckDBSnapshots

    store = KeyStore(tmp_path / "keys.json")
    headers = {"X-API-Key": store.create("alice", "manager")}
    client = TestClient(create_app(DuckDBSnapshots(tmp_path / "snapshots"), store))
    response = client.get(CONFIGS, headers=headers)
    assert response.status_code == 503 and "make build" in response.json()["detail"]
    warehouse = tmp_path / "hand.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create table metric_buckets_5min as select timestamp '2024-03-01' as bucket_start, 3 as events")
    publish(warehouse, tmp_path / "snapshots")
    response = client.get(CONFIGS, headers=headers)
    assert response.status_code == 503 and "kpi_definitions" in response.json()["detail"]
    response = client.get(f"{METRICS}?start_timestamp=1709251200&end_timestamp=1709251800", headers=headers)
    assert response.json() == {"start_timestamps": [1709251200.0, 1709251500.0],
                               "metrics": [{"name": "events", "values": [3.0, 0.0]}]}
