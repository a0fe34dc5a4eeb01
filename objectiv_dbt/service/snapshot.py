"""What the service reads: the current published DuckDB snapshot, or the PostgreSQL warehouse as it is.

DuckDB: each request looks where `current.duckdb` points (one readlink) and, when a new snapshot has been
published, opens it read-only; the previous connection is closed once its last request is done. A request
runs all its queries on one snapshot, so every answer is one whole build's. The build file is never opened.

A snapshot never changes, so its KPI definitions and metric names are read once (KpiApi memo) and its answers
are kept (AnswerCache, per snapshot: a new build starts afresh); identical requests arriving together are
computed once. Answers whose range depends on the clock (no end_timestamp) are not kept. Its rendered pages (the
HTML report, seconds to render) are kept apart, so that no run of distinct requests drops them.

PostgreSQL: a bounded pool of connections in autocommit. dbt swaps each table (and an incremental model's
delete+insert) in one transaction, and each of the API's queries is one statement, so a query sees a model
either before or after a concurrent build's change to it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable, Iterator

import duckdb
import psycopg2
import psycopg2.pool

from objectiv_dbt.publish import current_snapshot
from objectiv_dbt.settings import PostgresSettings

POSTGRES_CONNECTIONS = 8
POSTGRES_STATEMENT_TIMEOUT_MS = 30_000
ANSWERS_KEPT = 256
PAGES_KEPT = 2


class Unavailable(Exception):
    """Nothing to answer from yet, or the database cannot be reached (HTTP 503); the message says what to do."""


class AnswerCache:
    """The latest answers (JSON bytes) of one snapshot by request, least recently used dropped first; a request arriving
    while the same one is computed waits for that answer instead of computing it again."""

    def __init__(self, size: int = ANSWERS_KEPT):
        self.size = size
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._computing: dict[Hashable, Future] = {}
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> bytes | None:
        """The kept answer, without waiting or computing."""
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        return None

    def get(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
            pending = self._computing.get(key)
            if pending is None:
                pending = self._computing[key] = Future()
                owner = True
            else:
                owner = False
        if not owner:
            return pending.result()
        try:
            answer = compute()
        except BaseException as error:
            pending.set_exception(error)
            raise
        finally:
            with self._lock:
                self._computing.pop(key, None)
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        pending.set_result(answer)
        return answer


@dataclass(frozen=True)
class Session:
    """One request's connection, the schema of the models, the snapshot it reads and, for a snapshot, its
    memo (KpiApi), answers and pages (None on PostgreSQL, whose tables change under the service)."""

    connection: object
    schema: str
    version: str | None = None
    memo: dict | None = None
    answers: AnswerCache | None = None
    pages: AnswerCache | None = None


@dataclass
class _Opened:
    path: Path
    connection: duckdb.DuckDBPyConnection
    requests: int = 0
    retired: bool = False
    memo: dict = field(default_factory=dict)
    answers: AnswerCache = field(default_factory=AnswerCache)
    pages: AnswerCache = field(default_factory=lambda: AnswerCache(PAGES_KEPT))


@dataclass
class DuckDBSnapshots:
    """The current published snapshot of a snapshot folder, switched to the newest as soon as it is published."""

    directory: Path
    _opened: _Opened | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _open(self, path: Path) -> _Opened:
        try:
            return _Opened(path, duckdb.connect(str(path), read_only=True))
        except duckdb.Error as error:
            raise Unavailable(f"cannot open the snapshot {path}: {str(error).splitlines()[0]}") from error

    def _acquire(self) -> _Opened:
        for attempt in range(3):
            path = current_snapshot(self.directory)
            if path is None:
                raise Unavailable(f"no published snapshot in {self.directory}: run `make build` (or `make publish`)")
            with self._lock:
                if self._opened is None or self._opened.path != path:
                    try:
                        opened = self._open(path)
                    except Unavailable:
                        if attempt == 2:
                            raise
                        continue  # pruned between readlink and open by two quick publishes: look again
                    self._retire(self._opened)
                    self._opened = opened
                self._opened.requests += 1
                return self._opened
        raise AssertionError("unreachable")

    def _retire(self, opened: _Opened | None) -> None:
        if opened is None:
            return
        opened.retired = True
        if opened.requests == 0:
            opened.connection.close()

    def _release(self, opened: _Opened) -> None:
        with self._lock:
            opened.requests -= 1
            if opened.retired and opened.requests == 0:
                opened.connection.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        opened = self._acquire()
        try:  # KpiApi takes a cursor (a connection of its own, for this thread) per query
            yield Session(opened.connection, "main", opened.path.name, opened.memo, opened.answers, opened.pages)
        finally:
            self._release(opened)

    def kept(self, key: Hashable) -> tuple[bytes, str] | None:
        """The current snapshot's kept answer to a request and the snapshot's name, if it has one (no query)."""
        path = current_snapshot(self.directory)
        with self._lock:
            opened = self._opened
        if opened is None or opened.path != path:
            return None
        body = opened.answers.peek(key)
        return None if body is None else (body, opened.path.name)

    def close(self) -> None:
        with self._lock:
            self._retire(self._opened)
            self._opened = None


class PostgresWarehouse:
    """The models in a PostgreSQL schema, through a bounded pool of autocommit connections."""

    def __init__(self, settings: PostgresSettings, connections: int = POSTGRES_CONNECTIONS):
        self.settings = settings
        self._slots = threading.BoundedSemaphore(connections)
        self._pool: psycopg2.pool.ThreadedConnectionPool | None = None
        self._connections = connections
        self._lock = threading.Lock()

    def _get_pool(self) -> psycopg2.pool.ThreadedConnectionPool:
        with self._lock:
            if self._pool is None:
                try:
                    self._pool = psycopg2.pool.ThreadedConnectionPool(
                        0, self._connections, self.settings.dsn(), connect_timeout=5,
                        options=f"-c statement_timeout={POSTGRES_STATEMENT_TIMEOUT_MS} -c default_transaction_read_only=on")
                except psycopg2.OperationalError as error:
                    raise Unavailable(f"cannot reach PostgreSQL ({self.settings.dsn()}): {str(error).strip()}") from error
            return self._pool

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._slots:
            pool = self._get_pool()
            try:
                connection = pool.getconn()
            except psycopg2.OperationalError as error:
                raise Unavailable(f"cannot reach PostgreSQL ({self.settings.dsn()}): {str(error).strip()}") from error
            broken = False
            try:
                connection.autocommit = True
                yield Session(connection, self.settings.schema)
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                broken = True
                raise
            finally:
                pool.putconn(connection, close=broken or connection.closed != 0)

    def kept(self, _key: Hashable) -> None:
        """No answers are kept: the tables change under the service."""
        return None

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.closeall()
                self._pool = None
