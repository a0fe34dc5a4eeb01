"""The analytics API of seed 003 over HTTP: the answers of objectiv_dbt.kpis.KpiApi (the same as the CLI's).

    GET /analytics/kpis/status/    ?kpis=...                                   statuses (ok, missing_data, missing_config)
    GET /analytics/kpis/configs/   ?kpis=...                                   configs
    GET /analytics/kpis/values/    ?start_timestamp=&end_timestamp=&kpis=...   values per bucket and aggregates
    GET /analytics/metrics/values/ ?start_timestamp=&end_timestamp=&names=...  metric values per bucket
    GET /  and  GET /report                                                    the HTML report (report.py)

Roles root and manager (auth.py). A bad request is a 400 with a message ({"detail": ...}), never a 500:
a timestamp that is not a number, end before start, a range over ten years, an unknown or repeated query
parameter, too many or too long names. Unknown KPI or metric names are a `warnings` entry (200). Names are
only compared with the stored names: they never reach SQL. OpenAPI docs at /docs.
"""

from __future__ import annotations

import json
import logging
from typing import Callable

import duckdb
import psycopg2
import psycopg2.errors
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from objectiv_dbt.kpis import InvalidRequest, KpiApi
from objectiv_dbt.service.auth import analytics_reader
from objectiv_dbt.service.keys import KeyStore
from objectiv_dbt.service.report import add_report_routes
from objectiv_dbt.service.snapshot import Session, Unavailable

MAX_NAMES = 100
MAX_NAME_LENGTH = 200
SNAPSHOT_HEADER = "X-Snapshot"
log = logging.getLogger("objectiv_dbt.service")


# -- response shapes (seed 003), for the OpenAPI docs ------------------------------------------------------
class KpiMetadata(BaseModel):
    display_name: str
    unit: str
    description: str


class KpiConfig(BaseModel):
    name: str
    metadata: KpiMetadata
    metrics: list[str]


class KpiStatus(BaseModel):
    status: str
    kpi: KpiConfig


class StatusesResponse(BaseModel):
    warnings: list[str] | None = None
    statuses: list[KpiStatus]


class ConfigsResponse(BaseModel):
    warnings: list[str] | None = None
    kpis: list[KpiConfig]


class KpiValues(BaseModel):
    kpi: str
    values: list[float | None]
    aggregate: float | None


class ValuesResponse(BaseModel):
    warnings: list[str] | None = None
    start_timestamps: list[float]
    kpis: list[KpiValues]


class MetricValues(BaseModel):
    name: str
    values: list[float]


class MetricsResponse(BaseModel):
    warnings: list[str] | None = None
    start_timestamps: list[float]
    metrics: list[MetricValues]


# -- query parameters --------------------------------------------------------------------------------------
def _bad(message: str) -> HTTPException:
    return HTTPException(400, message)


def _check_parameters(request: Request, allowed: tuple[str, ...], single: tuple[str, ...]) -> None:
    for name in request.query_params:
        if name not in allowed:
            raise _bad(f"unknown query parameter {name!r} (this endpoint takes {', '.join(allowed)})")
    for name in single:
        if len(request.query_params.getlist(name)) > 1:
            raise _bad(f"{name} is given more than once")


def _timestamp(name: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise _bad(f"{name} must be seconds since the Unix epoch (a number such as 1709251200.0), got {text[:40]!r}") from None


def _names(name: str, values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    if len(values) > MAX_NAMES:
        raise _bad(f"at most {MAX_NAMES} {name} per request (got {len(values)})")
    if any(len(value) > MAX_NAME_LENGTH for value in values):
        raise _bad(f"a {name} value is longer than {MAX_NAME_LENGTH} characters")
    return values


def answer_json(answer: dict) -> bytes:
    """The service's JSON of a KpiApi answer (compact; byte for byte what it sends)."""
    return json.dumps(answer, separators=(",", ":"), allow_nan=False).encode()


def _key(names: list[str] | None) -> tuple[str, ...] | None:
    return None if names is None else tuple(names)


KPIS_QUERY = Query(None, description="KPI names (repeat the parameter for several; default: all, in display order)")
NAMES_QUERY = Query(None, description="Metric names (repeat the parameter for several; default: all)")
START_QUERY = Query(None, description="Seconds since the epoch (float); default: start of the data. The first "
                                      "bucket starts at or before it.")
END_QUERY = Query(None, description="Seconds since the epoch (float); default: now. The last bucket ends at or after it.")


# -- the app -----------------------------------------------------------------------------------------------
def create_app(reader: object, keys: KeyStore) -> FastAPI:
    """The service over a reader (snapshot.DuckDBSnapshots or snapshot.PostgresWarehouse) and a key store."""
    app = FastAPI(
        title="Objectiv analytics API",
        description="KPIs and metrics from the 5-minute metric buckets (seed 003), and the HTML report (`/` in a "
                    "browser). Every request but the page `/` needs an API key of role root or manager: "
                    "`Authorization: Bearer <key>` or `X-API-Key: <key>`.",
        version="1.0",
    )
    app.state.reader = reader
    app.state.keys = keys

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors())
        return JSONResponse({"detail": f"bad request: {problems}"}, status_code=400)

    @app.exception_handler(InvalidRequest)
    async def invalid_request(_request: Request, error: InvalidRequest) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    @app.exception_handler(duckdb.CatalogException)
    @app.exception_handler(psycopg2.errors.UndefinedTable)
    async def not_built(_request: Request, error: Exception) -> JSONResponse:
        message = f"the models are not built ({str(error).splitlines()[0]}): run `make build`"
        log.warning("unavailable: %s", message)
        return JSONResponse({"detail": message}, status_code=503)

    @app.exception_handler(psycopg2.OperationalError)
    async def database_unreachable(_request: Request, error: Exception) -> JSONResponse:
        log.warning("PostgreSQL: %s", str(error).strip())
        return JSONResponse({"detail": f"PostgreSQL failed: {str(error).strip().splitlines()[0]}"}, status_code=503)

    @app.exception_handler(Unavailable)
    async def unavailable(_request: Request, error: Unavailable) -> JSONResponse:
        log.warning("unavailable: %s", error)
        return JSONResponse({"detail": str(error)}, status_code=503)

    def compute(cache_key: tuple | None, ask: Callable[[KpiApi], dict]) -> tuple[bytes, str | None]:
        with app.state.reader.session() as session:
            session: Session
            api = KpiApi(session.connection, session.schema, session.memo)
            if session.answers is None or cache_key is None:
                return answer_json(ask(api)), session.version
            return session.answers.get(cache_key, lambda: answer_json(ask(api))), session.version

    async def answer(cache_key: tuple | None, ask: Callable[[KpiApi], dict]) -> Response:
        """ask's answer on the current data as JSON. cache_key (None: the answer depends on the clock) keys the
        answers kept per snapshot: a kept one is sent from the event loop, anything else is computed in the
        thread pool. The models above document the shapes; the JSON is KpiApi's, as the CLI's."""
        kept = app.state.reader.kept(cache_key) if cache_key is not None else None
        body, version = kept or await run_in_threadpool(compute, cache_key, ask)
        return Response(body, media_type="application/json", headers={SNAPSHOT_HEADER: version} if version else None)

    common = {"dependencies": [Depends(analytics_reader)],
              "responses": {400: {"description": "Bad request (the message says why)"},
                            401: {"description": "Missing, malformed, unknown or revoked API key"},
                            403: {"description": "The key's role may not call this endpoint"},
                            503: {"description": "No published snapshot yet, or the database is unreachable"}}}

    add_report_routes(app, SNAPSHOT_HEADER, {code: common["responses"][code] for code in (401, 403, 503)})

    @app.get("/analytics/kpis/status/", response_model=StatusesResponse, tags=["KPIs"], **common)
    async def kpi_statuses(request: Request, kpis: list[str] | None = KPIS_QUERY) -> Response:
        """KPI statuses with their configs, in display order (or the requested order)."""
        _check_parameters(request, ("kpis",), ())
        names = _names("kpis", kpis)
        return await answer(("status", _key(names)), lambda api: api.statuses(names))

    @app.get("/analytics/kpis/configs/", response_model=ConfigsResponse, tags=["KPIs"], **common)
    async def kpi_configs(request: Request, kpis: list[str] | None = KPIS_QUERY) -> Response:
        """KPI configs: name, metadata (display name, unit usd/count/percentage, description), metrics."""
        _check_parameters(request, ("kpis",), ())
        names = _names("kpis", kpis)
        return await answer(("configs", _key(names)), lambda api: api.configs(names))

    @app.get("/analytics/kpis/values/", response_model=ValuesResponse, tags=["KPIs"], **common)
    async def kpi_values(request: Request, start_timestamp: str | None = START_QUERY,
                   end_timestamp: str | None = END_QUERY, kpis: list[str] | None = KPIS_QUERY) -> Response:
        """KPI values per bucket covering the range, and each KPI's aggregate over the whole range."""
        _check_parameters(request, ("start_timestamp", "end_timestamp", "kpis"), ("start_timestamp", "end_timestamp"))
        start, end = _timestamp("start_timestamp", start_timestamp), _timestamp("end_timestamp", end_timestamp)
        names = _names("kpis", kpis)
        key = None if end is None else ("values", start, end, _key(names))
        return await answer(key, lambda api: api.values(start, end, names))

    @app.get("/analytics/metrics/values/", response_model=MetricsResponse, tags=["Metrics"], **common)
    async def metric_values(request: Request, start_timestamp: str | None = START_QUERY,
                      end_timestamp: str | None = END_QUERY, names: list[str] | None = NAMES_QUERY) -> Response:
        """Metric values per bucket covering the range."""
        _check_parameters(request, ("start_timestamp", "end_timestamp", "names"), ("start_timestamp", "end_timestamp"))
        start, end = _timestamp("start_timestamp", start_timestamp), _timestamp("end_timestamp", end_timestamp)
        metric_names = _names("names", names)
        key = None if end is None else ("metrics", start, end, _key(metric_names))
        return await answer(key, lambda api: api.metrics(start, end, metric_names))

    return app
