"""Load a newline-delimited JSON file of Objectiv events into the collector table layout.

    python -m objectiv_dbt.load PATH [--target duckdb|postgres] [--schema S] [--table T] [--batch-lines N]

PATH is plain NDJSON, or gzip when its name ends in `.gz`. Each line is one of
- a raw tracker event  {"_type", "_types", "id", "time", "location_stack", "global_contexts"}
  (event_id = id, moment = time in ms since epoch UTC, day = its UTC date,
  cookie_id = cookie_id of the first CookieIdContext in global_contexts, value = the whole object);
- a collector row      {"event_id", "day", "moment", "cookie_id", "value"} (columns as they are).
The format is detected per line: a line with any of event_id/day/moment/cookie_id/value is a collector row.

Target: `<schema>.<table>` = data(event_id uuid primary key, day date, moment timestamp, cookie_id uuid,
value json), created with its schema when missing; defaults from `settings.source_table()`.
Lines that are not JSON, not an object, lack or garble a required field, or repeat an event_id seen
earlier in the same file go to `<schema>.<table>_rejects` (file, line_number, reason, line, rejected_at),
upserted on (file, line_number); the other lines still load. The event's content beyond those fields
is not judged here (the dbt models quarantine what they cannot use).

Idempotent: event_id is the key, rows already in the table are skipped and counted as "already loaded".
Memory stays bounded: the file is read in batches of --batch-lines lines (only the set of event_ids
seen in this file, 32 bytes a line, grows with it, to find duplicates).

One validation for both targets: each batch is handed to DuckDB (a DataFrame scan) and checked there
with one JSON parse per line into a STRUCT of just the needed fields. For the DuckDB target that happens
in the target database itself and the good rows are inserted directly; for PostgreSQL an in-memory DuckDB
validates, and the good rows go in with COPY into a temporary table and `insert ... on conflict do nothing`.
"""

from __future__ import annotations

import argparse
import gzip
import io
import itertools
import json
import os
import queue
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb
import numpy as np
import pandas as pd

from objectiv_dbt import settings

DEFAULT_BATCH_LINES = 100_000

# Rejection kinds (the `kind` of a reason; the reason text starts with it and adds the detail).
NOT_JSON = "not JSON"
DUPLICATE = "duplicate event_id"
DUPLICATE_IDENTICAL = "duplicate event_id (identical)"

# The fields one parse extracts from each line (a raw tracker event's or a collector row's).
_STRUCT = json.dumps(
    {
        "id": "VARCHAR",
        "time": "JSON",
        "global_contexts": [{"_type": "VARCHAR", "cookie_id": "VARCHAR"}],
        "event_id": "VARCHAR",
        "day": "VARCHAR",
        "moment": "VARCHAR",
        "cookie_id": "VARCHAR",
        "value": "JSON",
    }
)
# Timestamps both DuckDB and PostgreSQL store: years 1 to 9999.
_MIN_MS, _MAX_MS = -62135596800000, 253402300799999


class LoadError(Exception):
    """A problem that stops the whole load (missing file, unreachable database): one line for the user."""


@dataclass
class LoadReport:
    file: str
    target: str
    table: str
    lines_read: int = 0
    inserted: int = 0
    already_loaded: int = 0
    rejected: int = 0
    rejects_by_kind: dict[str, int] = field(default_factory=dict)
    bytes_read: int = 0
    seconds: float = 0.0

    def check(self) -> None:
        total = self.inserted + self.already_loaded + self.rejected
        assert total == self.lines_read, (
            f"inserted {self.inserted} + already loaded {self.already_loaded} + rejected {self.rejected}"
            f" = {total} != lines read {self.lines_read}"
        )
        assert sum(self.rejects_by_kind.values()) == self.rejected, (self.rejects_by_kind, self.rejected)

    def format(self) -> str:
        rate = self.lines_read / self.seconds if self.seconds > 0 else 0.0
        rows = [
            f"loaded {self.file} into {self.target} {self.table}",
            f"  lines read      {self.lines_read:>12,}",
            f"  inserted        {self.inserted:>12,}",
            f"  already loaded  {self.already_loaded:>12,}",
            f"  rejected        {self.rejected:>12,}",
        ]
        width = max((len(kind) for kind in self.rejects_by_kind), default=0)
        for kind, count in sorted(self.rejects_by_kind.items(), key=lambda item: (-item[1], item[0])):
            rows.append(f"    {kind:<{width}}  {count:>10,}")
        rows += [
            f"  seconds         {self.seconds:>12.1f}  ({rate:,.0f} lines/s)",
            f"  inserted + already loaded + rejected = {self.inserted:,} + {self.already_loaded:,}"
            f" + {self.rejected:,} = {self.inserted + self.already_loaded + self.rejected:,} = lines read",
        ]
        return "\n".join(rows)


# ---------------------------------------------------------------------------------------------- reading


@dataclass
class _Batch:
    first_line: int  # line number of the first line (1-based)
    frame: pd.DataFrame  # line_number BIGINT, line VARCHAR
    bad_utf8: dict[int, str]  # line_number -> reason, for lines that are not UTF-8
    position: int  # bytes of the (compressed) file read so far


def _open(path: Path):
    """(binary line reader, raw file whose tell() is the progress) for a plain or gzip file."""
    raw = open(path, "rb", buffering=1 << 20)
    if path.name.endswith(".gz"):
        return io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), 1 << 20), raw
    return raw, raw


def _decode(lines: list[bytes], first_line: int) -> tuple[list[str], dict[int, str]]:
    try:
        text = [line.decode() for line in lines]
        bad: dict[int, str] = {}
    except UnicodeDecodeError:
        text, bad = [], {}
        for number, line in enumerate(lines, first_line):
            try:
                text.append(line.decode())
            except UnicodeDecodeError as error:
                text.append(line.decode(errors="replace"))
                bad[number] = f"{NOT_JSON}: invalid UTF-8 (byte 0x{line[error.start]:02x} at column {error.start + 1})"
    # Strip the line end ("\n" or "\r\n"); other whitespace is JSON's business.
    return [line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line for line in text], bad


def _read_batches(path: Path, batch_lines: int) -> Iterator[_Batch]:
    reader, raw = _open(path)
    with raw, reader:
        first = 1
        while True:
            try:
                lines = list(itertools.islice(reader, batch_lines))
            except (OSError, EOFError, gzip.BadGzipFile) as error:
                raise LoadError(f"cannot read {path}: {error}") from None
            if not lines:
                return
            text, bad = _decode(lines, first)
            del lines
            frame = pd.DataFrame(
                {"line_number": np.arange(first, first + len(text), dtype=np.int64), "line": text}
            )
            yield _Batch(first, frame, bad, raw.tell())
            first += len(text)


def _prefetch(batches: Iterator[_Batch]) -> Iterator[_Batch]:
    """Read (and decompress) the next batch in a thread while DuckDB works on this one; one batch ahead."""
    slot: queue.Queue = queue.Queue(maxsize=1)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        slot.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slot.put(done)
        except BaseException as error:  # handed to the consumer
            slot.put(error)

    thread = threading.Thread(target=produce, name="objectiv-load-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = slot.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


# --------------------------------------------------------------------------------------------- progress


class _Progress:
    """A one-line progress bar on stderr: % of the file's bytes read, lines/s, ETA."""

    def __init__(self, total_bytes: int, label: str, enabled: bool):
        self.total = max(total_bytes, 1)
        self.label = label
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.last = 0.0

    def update(self, position: int, lines: int, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and self.tty and now - self.last < 0.2:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        fraction = min(position / self.total, 1.0)
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
        width = 24
        filled = int(round(fraction * width))
        bar = "#" * filled + "-" * (width - filled)
        eta_text = "--" if eta != eta else f"{eta:,.0f}s"
        line = (
            f"{self.label} [{bar}] {fraction * 100:5.1f}%  {lines:,} lines  "
            f"{lines / elapsed:,.0f} lines/s  ETA {eta_text}"
        )
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if final else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


# ------------------------------------------------------------------------------------------- validation


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _shown(json_path: str) -> str:
    """SQL: the field's JSON text as found in the line, shortened, to quote it in a reason."""
    text = f"json_extract(line, {_lit(json_path)})::varchar"
    return f"(case when length({text}) > 80 then left({text}, 77) || '...' else {text} end)"


def _present(json_path: str) -> str:
    return f"(json_extract(line, {_lit(json_path)}) is not null)"


def _missing_or_invalid(
    field_sql: str, ok_sql: str, json_path: str, name: str, why: str
) -> list[tuple[str, str, str]]:
    """Checks for a required field: absent, or present but not acceptable.

    Conditions are CASE expressions so that the costly re-extraction from the line only runs on bad lines.
    """
    return [
        (
            f"case when {field_sql} is null then not {_present(json_path)} else false end",
            f"missing {name}",
            _lit(f"missing {name}"),
        ),
        (
            f"case when coalesce({ok_sql}, false) then false when {field_sql} is not null then true"
            f" else {_present(json_path)} end",
            f"invalid {name}",
            f"'invalid {name}: ' || {_shown(json_path)} || {_lit(why)}",
        ),
    ]


def _type_name(json_sql: str) -> str:
    """SQL: JSON type of a (valid) JSON value in words."""
    return (
        f"case json_type({json_sql}) when 'OBJECT' then 'an object' when 'ARRAY' then 'an array'"
        " when 'VARCHAR' then 'a string' when 'BOOLEAN' then 'a boolean' when 'NULL' then 'null'"
        " else 'a number' end"
    )


# (condition, kind, reason SQL) for an object line; conditions of one field exclude each other.
_RAW_CHECKS = [
    *_missing_or_invalid("j.id", "event_id is not null", "$.id", "id", " is not a uuid"),
    *_missing_or_invalid("j.time", "time_ok", "$.time", "time", " is not a number (ms since epoch)"),
    (
        "time_ok and moment is null",
        "invalid time",
        f"'invalid time: ' || {_shown('$.time')} || ' ms since epoch is outside the years 1-9999'",
    ),
    (
        "j.global_contexts is null",
        "no CookieIdContext",
        f"case when {_present('$.global_contexts')} then 'no CookieIdContext: global_contexts is not an array'"
        " else 'no CookieIdContext: global_contexts is missing' end",
    ),
    ("len(cookie_contexts) = 0", "no CookieIdContext", "'no CookieIdContext in global_contexts'"),
    (
        "len(cookie_contexts) > 0 and cookie_raw is null",
        "missing cookie_id",
        "'missing cookie_id: the first CookieIdContext in global_contexts has no cookie_id'",
    ),
    (
        "cookie_raw is not null and cookie_id is null",
        "invalid cookie_id",
        "'invalid cookie_id: ' || to_json(left(cookie_raw, 77))::varchar"
        " || ' (of the first CookieIdContext) is not a uuid'",
    ),
]
_ROW_CHECKS = [
    *_missing_or_invalid("j.event_id", "event_id is not null", "$.event_id", "event_id", " is not a uuid"),
    *_missing_or_invalid("j.day", "day is not null", "$.day", "day", " is not a date"),
    *_missing_or_invalid(
        "j.moment", "moment is not null", "$.moment", "moment", " is not a timestamp (years 1-9999)"
    ),
    (
        "day is not null and moment is not null and day <> moment::date",
        "invalid day",
        "'invalid day: ' || day::varchar || ' is not the UTC date of moment ' || moment::varchar",
    ),
    *_missing_or_invalid("j.cookie_id", "cookie_id is not null", "$.cookie_id", "cookie_id", " is not a uuid"),
    (f"case when j.value is null then not {_present('$.value')} else false end", "missing value", "'missing value'"),
    (
        f"case when j.value is null then {_present('$.value')} else not starts_with(j.value, '{{') end",
        "invalid value",
        f"'invalid value: ' || {_type_name('json_extract(line, ' + _lit('$.value') + ')')} || ', not a JSON object'",
    ),
]


def _checks_sql() -> tuple[str, str]:
    """SQL expressions (kind, reason) over the columns of the `fields` CTE below."""
    checks = [(NOT_JSON, "not is_json", _lit(NOT_JSON))]
    checks.append(
        ("not a JSON object", "is_json and not is_object", f"'not a JSON object: found ' || {_type_name('line')}")
    )
    checks += [(kind, f"is_object and not is_row and ({cond})", msg) for cond, kind, msg in _RAW_CHECKS]
    checks += [(kind, f"is_object and is_row and ({cond})", msg) for cond, kind, msg in _ROW_CHECKS]
    kind = "case " + " ".join(f"when {cond} then {_lit(k)}" for k, cond, _ in checks) + " end"
    # The first two checks exclude everything after them; the field checks all report.
    reason = (
        f"case when not is_json then {checks[0][2]} when not is_object then {checks[1][2]} else nullif(concat_ws('; ', "
        + ", ".join(f"case when {cond} then {msg} end" for _, cond, msg in checks[2:])
        + "), '') end"
    )
    return kind, reason


_KIND_SQL, _REASON_SQL = _checks_sql()

_VALIDATE_SQL = f"""
create or replace temp table _load_checked as
with parsed as (
    select line_number, line, try(from_json(line, {_lit(_STRUCT)})) as j
    from _load_batch
),
shaped as (
    select *,
        case when j is not null then true else json_valid(line) end as is_json,
        case when j is null then false when starts_with(line, '{{') then true
             else json_type(line) = 'OBJECT' end as is_object,
        j.event_id is not null or j.day is not null or j.moment is not null
            or j.cookie_id is not null or j.value is not null as is_row
    from parsed
),
typed as (
    select *,
        try_cast(case when is_row then j.event_id else j.id end as uuid) as event_id,
        case when not is_row and j.time is not null then json_type(j.time) end as time_type,
        case when is_row then try_cast(try_cast(j.moment as timestamptz) as timestamp) end as row_moment,
        case when not is_row then list_filter(j.global_contexts, c -> c._type = 'CookieIdContext') end
            as cookie_contexts
    from shaped
),
numbers as (
    select *,
        time_type in ('UBIGINT', 'BIGINT', 'DOUBLE') as time_ok,
        case when time_type in ('UBIGINT', 'BIGINT') then try_cast(j.time as bigint) end as time_ms,
        case when time_type = 'DOUBLE' then try_cast(j.time as double) end as time_float
    from typed
),
extracted as (
    select *,
        case
            when is_row then
                case when row_moment between '0001-01-01'::timestamp and '9999-12-31 23:59:59.999999'::timestamp
                     then row_moment end
            when time_ms between {_MIN_MS} and {_MAX_MS} then epoch_ms(time_ms)
            when time_float between {_MIN_MS} and {_MAX_MS} then make_timestamp(round(time_float * 1000)::bigint)
        end as moment,
        case when is_row then j.cookie_id else cookie_contexts[1].cookie_id end as cookie_raw
    from numbers
),
fields as (
    select *,
        case when is_row then try_cast(j.day as date) else moment::date end as day,
        try_cast(cookie_raw as uuid) as cookie_id
    from extracted
)
select line_number, line,
    event_id, day, moment, cookie_id,
    case when is_row then j.value end as value_json,
    hash(line) as line_hash,
    case when is_json and (regexp_matches(line, ',\\s*[\\]}}]') or contains(line, 'NaN') or contains(line, 'Infinity'))
         then true else false end as lax_candidate,
    {_KIND_SQL} as kind,
    {_REASON_SQL} as reason
from fields
"""

_DUPLICATES_SQL = """
with good as (
    select line_number, event_id, line_hash from _load_checked where kind is null
),
firsts as (
    select event_id, min(line_number) as first_line, arg_min(line_hash, line_number) as first_hash
    from good group by event_id
),
dups as (
    select g.line_number,
        coalesce(s.line_number, f.first_line) as first_line,
        coalesce(s.line_hash, f.first_hash) = g.line_hash as identical
    from good g join firsts f using (event_id) left join _load_seen s using (event_id)
    where s.event_id is not null or g.line_number > f.first_line
)
update _load_checked set
    kind = case when dups.identical then '{identical}' else '{duplicate}' end,
    reason = case when dups.identical
        then 'duplicate event_id, identical line (first at line ' || dups.first_line || ')'
        else 'duplicate event_id (first at line ' || dups.first_line || ')' end
from dups where _load_checked.line_number = dups.line_number
""".format(identical=DUPLICATE_IDENTICAL, duplicate=DUPLICATE)


class _StrictJSONError(ValueError):
    pass


def _reject_constant(name: str):
    raise _StrictJSONError(f"{name} is not valid JSON")


def _json_problem(line: str, duck: duckdb.DuckDBPyConnection) -> str | None:
    """Why a line is not (strict, RFC 8259) JSON, or None if it is."""
    if not line.strip():
        return "empty line"
    try:
        json.loads(line, parse_constant=_reject_constant)
    except _StrictJSONError as error:
        return str(error)
    except json.JSONDecodeError as error:
        return f"{error.msg} at column {error.colno}"
    except RecursionError:
        return "nested too deeply"
    try:  # Python accepts it; DuckDB may not (e.g. a lone UTF-16 surrogate escape)
        duck.execute("select json(?)", [line]).fetchall()
    except duckdb.Error as error:
        return str(error).split("Error: ", 1)[-1].split("  Input:", 1)[0].strip()
    return None


def _validate(duck: duckdb.DuckDBPyConnection, batch: _Batch) -> None:
    """Fill temp table _load_checked with the batch's rows: fields, kind and reason (NULL when good)."""
    duck.register("_load_batch", batch.frame)
    try:
        duck.execute(_VALIDATE_SQL)
    finally:
        duck.unregister("_load_batch")
    # Details DuckDB cannot give: why a line is not JSON, and JSON that DuckDB's parser tolerates but the
    # standard (and PostgreSQL's json type) does not: trailing commas, NaN, Infinity.
    fixes: dict[int, str] = {}
    for number, line, kind in duck.execute(
        f"select line_number, line, kind from _load_checked where kind = {_lit(NOT_JSON)} or lax_candidate"
    ).fetchall():
        problem = _json_problem(line, duck)
        if problem is not None:
            fixes[number] = f"{NOT_JSON}: {problem}"
        elif kind == NOT_JSON:
            fixes[number] = f"{NOT_JSON}: rejected by DuckDB's JSON parser"
    fixes.update(batch.bad_utf8)
    if fixes:
        frame = pd.DataFrame({"line_number": list(fixes), "reason": list(fixes.values())})
        duck.register("_load_fixes", frame)
        try:
            duck.execute(
                f"update _load_checked set kind = {_lit(NOT_JSON)}, reason = f.reason"
                " from _load_fixes f where _load_checked.line_number = f.line_number"
            )
        finally:
            duck.unregister("_load_fixes")
    # Repeats of an event_id seen earlier in this file (this batch or an earlier one).
    duck.execute(_DUPLICATES_SQL)
    duck.execute("insert into _load_seen select event_id, line_number, line_hash from _load_checked where kind is null")


def _kind_counts(duck: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, int]]:
    good, rejects = 0, {}
    for kind, count in duck.execute("select kind, count(*) from _load_checked group by kind").fetchall():
        if kind is None:
            good = count
        else:
            rejects[kind] = count
    return good, rejects


_GOOD_ROWS_SQL = (
    "select event_id, day, moment, cookie_id, coalesce(value_json, line) as value"
    " from _load_checked where kind is null"
)


def _reject_rows_sql(file_param: str, at_param: str) -> str:
    return (
        f"select {file_param} as file, line_number, reason, line, {at_param} as rejected_at"
        " from _load_checked where kind is not null"
    )


# ---------------------------------------------------------------------------------------------- targets


def _create_sql(schema: str, table: str, json_type: str) -> list[str]:
    return [
        f"create schema if not exists {_q(schema)}",
        f"create table if not exists {_q(schema)}.{_q(table)} (event_id uuid primary key, day date not null,"
        f" moment timestamp not null, cookie_id uuid not null, value {json_type} not null)",
        f"create table if not exists {_q(schema)}.{_q(table + '_rejects')} (file varchar, line_number bigint,"
        " reason varchar, line varchar, rejected_at timestamp, primary key (file, line_number))",
    ]


def _new_seen_table(duck: duckdb.DuckDBPyConnection) -> None:
    duck.execute(
        "create or replace temp table _load_seen (event_id uuid, line_number bigint, line_hash ubigint)"
    )


class _DuckDBTarget:
    name = "duckdb"

    def __init__(self, path: Path, schema: str, table: str):
        self.path = path
        self.data = f"{_q(schema)}.{_q(table)}"
        self.rejects = f"{_q(schema)}.{_q(table + '_rejects')}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.duck = duckdb.connect(str(path))
        except (duckdb.Error, OSError) as error:
            raise LoadError(f"cannot open DuckDB database {path}: {str(error).strip()}") from None
        self.duck.execute("set TimeZone = 'UTC'")
        for statement in _create_sql(schema, table, "json"):
            self.duck.execute(statement)
        _new_seen_table(self.duck)

    @property
    def validator(self) -> duckdb.DuckDBPyConnection:
        return self.duck

    def describe(self) -> str:
        return f"{self.data.replace(chr(34), '')} ({self.path})"

    def write(self, file: str, first: int, last: int, rejected_at: datetime) -> int:
        duck = self.duck
        duck.execute("begin")
        try:
            inserted = duck.execute(
                f"insert into {self.data} select * from ({_GOOD_ROWS_SQL}) g"
                f" where not exists (select 1 from {self.data} d where d.event_id = g.event_id)"
            ).fetchone()[0]
            # Rejects of this file's lines in this range that are good now are stale.
            duck.execute(
                f"delete from {self.rejects} where file = ? and line_number between ? and ?"
                " and line_number not in (select line_number from _load_checked where kind is not null)",
                [file, first, last],
            )
            duck.execute(f"insert or replace into {self.rejects} {_reject_rows_sql('?', '?')}", [file, rejected_at])
            duck.execute("commit")
        except BaseException:
            duck.execute("rollback")
            raise
        return inserted

    def close(self) -> None:
        self.duck.close()


class _PostgresTarget:
    name = "postgres"

    def __init__(self, dsn: str, schema: str, table: str):
        import psycopg2

        self.psycopg2 = psycopg2
        self.data = f"{_q(schema)}.{_q(table)}"
        self.rejects = f"{_q(schema)}.{_q(table + '_rejects')}"
        try:
            self.pg = psycopg2.connect(dsn, connect_timeout=10)
        except psycopg2.OperationalError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else "connection failed"
            raise LoadError(f"cannot connect to PostgreSQL ({dsn}): {first_line}") from None
        self.dsn = dsn
        with self.pg.cursor() as cursor:
            cursor.execute("set synchronous_commit = off")
            for statement in _create_sql(schema, table, "json"):
                cursor.execute(statement)
            cursor.execute(
                "create temp table _load_good (event_id uuid, day date, moment timestamp, cookie_id uuid, value json)"
            )
            cursor.execute(
                "create temp table _load_rejects (file varchar, line_number bigint, reason varchar, line varchar,"
                " rejected_at timestamp)"
            )
        self.pg.commit()
        self.duck = duckdb.connect()
        self.duck.execute("set TimeZone = 'UTC'")
        _new_seen_table(self.duck)
        self.tmpdir = tempfile.TemporaryDirectory(prefix="objectiv-load-")

    @property
    def validator(self) -> duckdb.DuckDBPyConnection:
        return self.duck

    def describe(self) -> str:
        return f"{self.data.replace(chr(34), '')} ({self.dsn})"

    def _copy(self, cursor, select_sql: str, params: list, table: str) -> None:
        path = os.path.join(self.tmpdir.name, "batch.csv")
        self.duck.execute(f"copy ({select_sql}) to {_lit(path)} (format csv, header false)", params)
        with open(path, "rb") as handle:
            cursor.copy_expert(f"copy {table} from stdin with (format csv)", handle, size=1 << 20)
        os.unlink(path)

    def write(self, file: str, first: int, last: int, rejected_at: datetime) -> int:
        try:
            with self.pg.cursor() as cursor:
                cursor.execute("truncate _load_good, _load_rejects")
                self._copy(cursor, _GOOD_ROWS_SQL, [], "_load_good")
                cursor.execute(
                    f"insert into {self.data} select * from _load_good on conflict (event_id) do nothing"
                )
                inserted = cursor.rowcount
                # PostgreSQL text cannot hold NUL characters: show them as \u0000 in the rejected line.
                self._copy(
                    cursor,
                    "select file, line_number, reason, replace(line, chr(0), '\\u0000'), rejected_at"
                    f" from ({_reject_rows_sql('?', '?')})",
                    [file, rejected_at],
                    "_load_rejects",
                )
                cursor.execute(
                    f"delete from {self.rejects} r where file = %s and line_number between %s and %s"
                    " and not exists (select 1 from _load_rejects n where n.line_number = r.line_number)",
                    [file, first, last],
                )
                cursor.execute(
                    f"insert into {self.rejects} select * from _load_rejects on conflict (file, line_number)"
                    " do update set reason = excluded.reason, line = excluded.line, rejected_at = excluded.rejected_at"
                )
            self.pg.commit()
        except BaseException:
            self.pg.rollback()
            raise
        return inserted

    def close(self) -> None:
        self.duck.close()
        self.pg.close()
        self.tmpdir.cleanup()


# ------------------------------------------------------------------------------------------------- load


def load_file(
    path: str | os.PathLike,
    target: str = "duckdb",
    schema: str | None = None,
    table: str | None = None,
    batch_lines: int = DEFAULT_BATCH_LINES,
    duckdb_path: str | os.PathLike | None = None,
    dsn: str | None = None,
    progress: bool | None = None,
) -> LoadReport:
    """Load one NDJSON(.gz) file; see the module docstring. Raises LoadError for a missing file or database.

    duckdb_path / dsn override settings.duckdb_path() / settings.postgres_settings().dsn();
    progress: None = a progress bar when stderr is a terminal.
    """
    if target not in settings.TARGETS:
        raise LoadError(f"unknown target {target!r} (choose from {', '.join(settings.TARGETS)})")
    if batch_lines < 1:
        raise LoadError(f"--batch-lines must be at least 1, not {batch_lines}")
    source = Path(path).resolve()
    if not source.exists():
        raise LoadError(f"no such file: {path}")
    if not source.is_file():
        raise LoadError(f"not a file: {path}")
    try:
        size = source.stat().st_size
        open(source, "rb").close()
    except OSError as error:
        raise LoadError(f"cannot read {path}: {error.strerror}") from None
    names = settings.source_table(schema, table)
    started = time.monotonic()
    if target == "duckdb":
        sink = _DuckDBTarget(Path(duckdb_path).resolve() if duckdb_path else settings.duckdb_path(), names.schema, names.table)
    else:
        sink = _PostgresTarget(dsn or settings.postgres_settings().dsn(), names.schema, names.table)
    file = str(source)
    report = LoadReport(file=file, target=target, table=sink.describe())
    bar = _Progress(size, f"loading {source.name}", sys.stderr.isatty() if progress is None else progress)
    try:
        for batch in _prefetch(_read_batches(source, batch_lines)):
            count = len(batch.frame)
            last = batch.first_line + count - 1
            _validate(sink.validator, batch)
            good, kinds = _kind_counts(sink.validator)
            inserted = sink.write(file, batch.first_line, last, datetime.now(timezone.utc).replace(tzinfo=None))
            report.lines_read += count
            report.inserted += inserted
            report.already_loaded += good - inserted
            report.rejected += sum(kinds.values())
            for kind, n in kinds.items():
                report.rejects_by_kind[kind] = report.rejects_by_kind.get(kind, 0) + n
            report.bytes_read = batch.position
            bar.update(batch.position, report.lines_read)
        bar.update(size, report.lines_read, final=True)
    finally:
        sink.close()
    report.seconds = time.monotonic() - started
    report.check()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m objectiv_dbt.load",
        description="Load a newline-delimited JSON file (.gz: gzip) of Objectiv events into the collector table.",
    )
    parser.add_argument("path", help="NDJSON file of raw tracker events or collector rows (gzip if it ends in .gz)")
    parser.add_argument("--target", choices=settings.TARGETS, default="duckdb")
    parser.add_argument("--schema", help="schema of the table (default: dbt var source_schema)")
    parser.add_argument("--table", help="table name (default: dbt var source_table); rejects go to TABLE_rejects")
    parser.add_argument("--batch-lines", type=int, default=DEFAULT_BATCH_LINES, help="lines per batch (default 100000)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    try:
        report = load_file(
            args.path,
            target=args.target,
            schema=args.schema,
            table=args.table,
            batch_lines=args.batch_lines,
            progress=False if args.no_progress else None,
        )
    except LoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except duckdb.Error as error:
        print(f"error: DuckDB: {str(error).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted (batches loaded so far stay loaded; loading again is safe)", file=sys.stderr)
        return 130
    print(report.format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
