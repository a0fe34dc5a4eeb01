"""One line for the errors a user can hit before or while touching a database: what happened and what to do.

Used by the loader, the summary/query/KPI tools and the build preflight (objectiv_dbt.preflight), so that the
same problem reads the same everywhere: the DuckDB file held by another process, PostgreSQL unreachable or
refusing the login, a read-only or full disk.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

import psycopg2.extensions

_LOCK = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
_NO_SPACE = ("No space left on device", "Disk quota exceeded")


def first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def duckdb_message(error: BaseException, path: Path) -> str:
    """A DuckDB (or OS) error on the file at `path`, in one line with what to do."""
    text = str(error)
    lock = _LOCK.search(text)
    if lock or "Could not set lock on file" in text:
        holder = f" (PID {lock['pid']}, {lock['program']})" if lock else ""
        return (f"the DuckDB file {path} is in use by another process{holder}: close it (a running dbt build or "
                "load, a notebook or SQL client with the file open) and run the command again")
    disk = disk_message(error, path)
    if disk:
        return disk
    return f"DuckDB cannot use {path}: {first_line(error)}"


def disk_message(error: BaseException, path: Path) -> str | None:
    """A read-only or full disk, from an OSError or an engine's error text; None when it is neither."""
    text = str(error)
    code = error.errno if isinstance(error, OSError) else None
    if code == errno.EROFS or "Read-only file system" in text:
        return (f"cannot write {path}: read-only file system; set DUCKDB_PATH to a file on a writable disk "
                "(or remount it read-write)")
    if code in (errno.ENOSPC, errno.EDQUOT) or any(marker in text for marker in _NO_SPACE):
        return (f"no space left on the disk of {path}: free some space (or set DUCKDB_PATH to another disk) "
                "and run the command again; what was committed stays, running again is safe")
    if code == errno.EACCES or "Permission denied" in text:
        return f"no permission to write {path}: set DUCKDB_PATH to a file you can write"
    return None


def postgres_where(dsn: str) -> str:
    """The server, user and database of a DSN, without its password."""
    parts = psycopg2.extensions.parse_dsn(dsn)
    return (f"PostgreSQL at {parts.get('host', 'localhost')}:{parts.get('port', 5432)}"
            f" (user {parts.get('user', '?')}, database {parts.get('dbname', '?')})")


def postgres_message(error: BaseException, dsn: str) -> str:
    """A psycopg2 connection error in one line (the password is never shown), with what to check."""
    reason = re.sub(r"^(connection to server at .*? failed: )", "", first_line(error))
    reason = re.sub(r"^FATAL:\s+", "", reason)
    where = postgres_where(dsn)
    lowered = reason.lower()
    if "password" in lowered or "authentication" in lowered or ("role" in lowered and "does not exist" in lowered):
        hint = "check POSTGRES_USER and POSTGRES_PASSWORD"
    elif "database" in lowered and "does not exist" in lowered:
        hint = "check POSTGRES_DB (or create the database)"
    elif "no space" in lowered or "could not extend" in lowered:
        hint = "the server's disk is full: free space there"
    else:
        hint = "is the server running? check POSTGRES_HOST and POSTGRES_PORT"
    return f"cannot connect to {where}: {reason}; {hint}"
