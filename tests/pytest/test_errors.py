"""Errors a user can hit are one line that says what to do, never a traceback (issue 15): `make load`,
`make build` (its preflight), `make summary/query/kpis`.

The DuckDB file held by another process (a real second process), PostgreSQL unreachable or refusing the login
(a closed port, a role and a database that do not exist; the password message from psycopg2's text, as the test
server trusts every login), a read-only and a full disk (real tmpfs mounts: read-only, and 2 MB; skipped where
mounting is not allowed), a missing events file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest

from objectiv_dbt.errors import postgres_message
from objectiv_dbt.generate import write_events
from objectiv_dbt.settings import PROJECT_DIR

PYTHON = sys.executable


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT_DIR, env={**os.environ, "DO_NOT_TRACK": "1", **(env or {})},
                          capture_output=True, text=True, timeout=300)


def tool(module: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run(PYTHON, "-m", f"objectiv_dbt.{module}", *args, env=env)


# make's own last word on a failed recipe ("make[1]: ***" when make runs inside make, as under `make test`)
MAKE_ERROR = re.compile(r"make(\[\d+\])?: \*\*\*")


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The command failed with exactly one line on stderr, `error: ...`, and no traceback; returns that line."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip() and not MAKE_ERROR.match(line)]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def events_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("events") / "events.ndjson"
    write_events(path, events=20_000, seed=5)
    return path


@pytest.fixture
def held_duckdb(tmp_path):
    """A DuckDB file another process holds open (as a running build or a notebook would)."""
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([PYTHON, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(path)!r});"
                               " print('held', flush=True); time.sleep(300)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield path, holder.pid
    holder.kill()
    holder.wait()


def test_duckdb_file_held_by_another_process(held_duckdb, events_file):
    path, pid = held_duckdb
    env = {"DUCKDB_PATH": str(path)}
    expected = f"error: the DuckDB file {path} is in use by another process (PID {pid}, "
    for result in [
        tool("load", str(events_file), "--no-progress", env=env),
        tool("summary", env=env),
        tool("query", "select 1", env=env),
        tool("kpis", "configs", env=env),
        run("make", "-s", "build", env=env),
    ]:
        line = one_error_line(result)
        assert line.startswith(expected), line
        assert line.endswith("close it (a running dbt build or load, a notebook or SQL client with the file open)"
                             " and run the command again"), line


@pytest.mark.parametrize("setting, value, expected", [
    ("POSTGRES_PORT", "9", "Connection refused; is the server running? check POSTGRES_HOST and POSTGRES_PORT"),
    ("POSTGRES_USER", "no_such_role_i15", 'role "no_such_role_i15" does not exist; check POSTGRES_USER and POSTGRES_PASSWORD'),
    ("POSTGRES_DB", "no_such_db_i15", 'database "no_such_db_i15" does not exist; check POSTGRES_DB'),
], ids=["unreachable", "unknown-role", "unknown-database"])
def test_postgres_refusing_the_connection(postgres, events_file, setting, value, expected):
    env = {"POSTGRES_HOST": postgres.host, "POSTGRES_PORT": str(postgres.port), "POSTGRES_USER": postgres.user,
           "POSTGRES_DB": postgres.dbname, "POSTGRES_PASSWORD": "secret-i15", setting: value}
    for result in [
        tool("load", str(events_file), "--target", "postgres", "--no-progress", env=env),
        tool("summary", "--target", "postgres", env=env),
        tool("kpis", "--target", "postgres", "configs", env=env),
        run("make", "-s", "build", "TARGET=postgres", env=env),
    ]:
        line = one_error_line(result)
        assert line.startswith("error: cannot connect to PostgreSQL at "), line
        assert expected in line and "secret-i15" not in line, line


def test_postgres_password_rejected_message():
    """The test server trusts every login, so the rejection is psycopg2's own text for it."""
    error = psycopg2.OperationalError('connection to server at "db.example", port 5432 failed: FATAL:  password'
                                      ' authentication failed for user "analyst"\n')
    dsn = "host=db.example port=5432 user=analyst dbname=events password=hunter2"
    assert postgres_message(error, dsn) == (
        'cannot connect to PostgreSQL at db.example:5432 (user analyst, database events): password authentication'
        ' failed for user "analyst"; check POSTGRES_USER and POSTGRES_PASSWORD')


@pytest.fixture
def tmpfs(tmp_path):
    """Mounts a tmpfs with the given options (unmounted afterwards); skips where mounting is not allowed."""
    mounted = []

    def mount(options: str) -> Path:
        path = tmp_path / f"disk_{uuid.uuid4().hex[:6]}"
        path.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True,
                                text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()})")
        mounted.append(path)
        return path

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_read_only_disk(tmpfs, events_file):
    read_only_disk = tmpfs("size=1m,ro")
    env = {"DUCKDB_PATH": str(read_only_disk / "warehouse.duckdb")}
    expected = f"error: cannot write {read_only_disk / 'warehouse.duckdb'}: read-only file system; set DUCKDB_PATH"
    for result in [tool("load", str(events_file), "--no-progress", env=env), run("make", "-s", "build", env=env)]:
        assert one_error_line(result).startswith(expected)


def test_full_disk(tmpfs, events_file):
    """20,000 events do not fit in 2 MB: the load stops with one line; the build's preflight sees the full disk."""
    path = tmpfs("size=2m") / "warehouse.duckdb"
    env = {"DUCKDB_PATH": str(path)}
    started = time.monotonic()
    line = one_error_line(tool("load", str(events_file), "--no-progress", env=env))
    assert line == (f"error: no space left on the disk of {path}: free some space (or set DUCKDB_PATH to another"
                    " disk) and run the command again; what was committed stays, running again is safe")
    assert time.monotonic() - started < 120
    line = one_error_line(run("make", "-s", "build", env=env))
    assert line.startswith(f"error: no space left on the disk of {path} (")


def test_missing_events_file(tmp_path):
    missing = tmp_path / "nope.ndjson"
    line = one_error_line(run("make", "-s", "load", f"EVENTS={missing}", env={"DUCKDB_PATH": str(tmp_path / "w.duckdb")}))
    assert line == f"error: no such file: {missing} (`make demo-data` writes one; or pass EVENTS=path/to/events.ndjson)"
    assert not (tmp_path / "w.duckdb").exists()
