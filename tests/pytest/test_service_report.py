"""The HTML report in the KPI service (objectiv_dbt/service/report.py), on the warehouse and the uvicorn process of
test_service.py (its fixtures): `/` is a page without data asking for the key; `/report` is behind the same key
check and is byte for byte render_report over what the service reads; on DuckDB it is rendered once per snapshot
and follows a new publish without a restart; headless Chromium given a key draws every chart, and a refused key
shows the service's message."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from test_report import CHART_KEYS, connection_to
from test_service import built, data_files, get, keys, service  # noqa: F401 (fixtures)

import browser
from objectiv_dbt.publish import current_snapshot, publish, snapshot_published_at
from objectiv_dbt.report import render_report

REPORT = "/report"
BUILT_AT = re.compile(r"<dt>built \(UTC\)</dt><dd>([^<]+)</dd>")


def built_at(page: str) -> datetime:
    return datetime.strptime(BUILT_AT.search(page).group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def renderings(service: dict, snapshot: str) -> int:
    return service["log"].read_text().count(f"rendered the report of {snapshot} ")


def test_key_page_asks_for_the_key_and_holds_no_data(service):
    response = get(service, "/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<form id="key-form"' in page and 'type="password"' in page
    assert not re.search(r"<input[^>]*\bname=", page), "a key input with a name could be submitted in a URL"
    assert "sessionStorage" in page and "Authorization" in page and "cookie" not in page.lower()
    assert "<section" not in page and "Plotly" not in page and len(page) < 10_000
    assert "connect-src 'self'" in response.headers["content-security-policy"]


def test_report_needs_a_reader_key(service, keys):
    missing = get(service, REPORT)
    assert missing.status_code == 401 and "missing API key" in missing.json()["detail"]
    assert get(service, REPORT, keys["revoked"]).status_code == 401
    assert get(service, REPORT, headers={"Authorization": "Bearer not-a-key"}).status_code == 401
    for role in ("backend", "viewer"):
        response = get(service, REPORT, keys[role])
        assert response.status_code == 403 and f"role {role} may not" in response.json()["detail"]
    assert get(service, REPORT, keys["root"]).status_code == 200


def test_report_is_render_report_over_what_the_service_reads(built, service, keys):
    response = get(service, REPORT, keys["manager"])
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    snapshot = current_snapshot(built.snapshot_dir).name if built.engine == "duckdb" else None
    with connection_to(built) as connection:  # what the service reads: on DuckDB the current snapshot
        if snapshot:  # DuckDB: the page of the snapshot, built at its publishing
            assert response.headers["x-snapshot"] == snapshot
            assert built_at(page) == snapshot_published_at(snapshot).replace(microsecond=0)
            expected = render_report(connection, "main", built_at=snapshot_published_at(snapshot))
        else:
            expected = render_report(connection, built.models_schema, built_at=built_at(page))
    assert page == expected
    assert page.count('data-chart="drawn"') == len(CHART_KEYS)


def test_report_is_rendered_once_per_snapshot_and_follows_a_new_publish(built, service, keys):
    if built.engine != "duckdb":
        pytest.skip("PostgreSQL has no snapshots: the report is rendered per request")
    old = current_snapshot(built.snapshot_dir).name
    before = get(service, REPORT, keys["manager"]).text
    new = publish(built.duckdb_file, built.snapshot_dir).name
    with ThreadPoolExecutor(4) as pool:  # arriving together: one rendering
        pages = list(pool.map(lambda _: get(service, REPORT, keys["manager"]), range(4)))
    pages.append(get(service, REPORT, keys["root"]))
    assert {page.headers["x-snapshot"] for page in pages} == {new} and len({page.text for page in pages}) == 1
    after = pages[0].text
    assert built_at(after) == snapshot_published_at(new).replace(microsecond=0) > built_at(before)
    assert after != before and after.split("</header>")[1] == before.split("</header>")[1]  # the same data
    assert (renderings(service, old), renderings(service, new)) == (1, 1)


def test_served_page_draws_every_chart_once_given_a_key(built, service, keys, chromium):
    if built.engine != "duckdb":
        pytest.skip("the browser check runs once, on the default engine")
    loaded = browser.load(f"{service['url']}/#key={keys['manager']}", size=(1400, 1000))
    assert loaded.console == [], "the page logged to the console"
    sections = browser.sections(loaded.dom)
    assert set(sections) == CHART_KEYS
    assert [key for key, section in sections.items() if not browser.is_drawn(section)] == []
    assert 'id="key-form"' not in loaded.dom


@pytest.mark.parametrize("key,message", [(f"okpi_{'0' * 12}_{'1' * 48}", "401: unknown or revoked API key"),
                                         ("backend", "403: role backend may not call this endpoint")])
def test_served_page_shows_why_a_key_is_refused_and_asks_again(built, service, keys, chromium, key, message):
    if built.engine != "duckdb":
        pytest.skip("the browser check runs once, on the default engine")
    loaded = browser.load(f"{service['url']}/#key={keys.get(key, key)}")
    assert loaded.console == []
    assert message in loaded.dom and 'id="key-form"' in loaded.dom and "<section" not in loaded.dom


def test_keys_never_in_the_log_after_the_report(service, keys):
    log = service["log"].read_text()
    assert '"GET /report HTTP/1.1" 200' in log and '"GET / HTTP/1.1" 200' in log
    for name, key in keys.items():
        if name != "file":
            assert key not in log and key.split("_")[2] not in log, name
