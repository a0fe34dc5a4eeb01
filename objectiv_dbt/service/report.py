"""The HTML report (objectiv_dbt/report) in the service:

    GET /         a small page without data that asks for the API key (kept in the tab's sessionStorage only),
                  fetches /report with it and shows the report in its place; 401/403: the message, and asks again
    GET /report   render_report over what the service reads; same key check as the KPI endpoints

DuckDB: rendered once per snapshot (about 1.5 s at the demo size; requests arriving together wait for the same
rendering) and its build time is the snapshot's publish time, so the page of a snapshot is always the same bytes.
PostgreSQL: rendered per request (the tables change under the service), built at the time of the request.
The key travels in the Authorization header only: never in a URL, a cookie, or the log.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from fastapi import Depends, FastAPI, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from objectiv_dbt.publish import snapshot_published_at
from objectiv_dbt.report import render_report
from objectiv_dbt.service.auth import analytics_reader
from objectiv_dbt.service.snapshot import Session

KEY_PAGE = Path(__file__).with_name("key_page.html").read_bytes()
# what the key page may do: its own inline script and style, fetch from this service; never submit a form
# (the key has no name anyway), never be framed. The report written over it keeps this policy.
KEY_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                               "img-src data: blob:; font-src data:; connect-src 'self'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
REPORT_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
log = logging.getLogger("objectiv_dbt.service")


def _render(session: Session) -> bytes:
    started = time.perf_counter()
    built_at = snapshot_published_at(session.version) if session.version else None
    page = render_report(session.connection, session.schema, built_at=built_at).encode()
    log.info("rendered the report of %s in %.1f s (%.1f MB)", session.version or f"schema {session.schema}",
             time.perf_counter() - started, len(page) / 1e6)
    return page


def report_page(reader: object) -> tuple[bytes, str | None]:
    """The report over the reader's current data and the snapshot it was read from (None on PostgreSQL)."""
    with reader.session() as session:
        session: Session
        if session.pages is None:
            return _render(session), None
        return session.pages.get("report", lambda: _render(session)), session.version


def add_report_routes(app: FastAPI, snapshot_header: str, responses: dict) -> None:
    @app.get("/", response_class=HTMLResponse, tags=["Report"])
    async def key_page() -> Response:
        """A page asking for the API key, then showing the HTML report (GET /report) with it. It holds no data."""
        return Response(KEY_PAGE, media_type="text/html; charset=utf-8", headers=KEY_PAGE_HEADERS)

    @app.get("/report", response_class=HTMLResponse, tags=["Report"], dependencies=[Depends(analytics_reader)],
             responses=responses)
    async def report() -> Response:
        """The HTML report of the current data (`make report`'s page; plotly inlined, opens offline)."""
        page, version = await run_in_threadpool(report_page, app.state.reader)
        headers = {**REPORT_HEADERS, **({snapshot_header: version} if version else {})}
        return Response(page, media_type="text/html; charset=utf-8", headers=headers)
