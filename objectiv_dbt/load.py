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
validates, the good rows are copied into a stage table (binary COPY by DuckDB's postgres extension, or
psycopg2 COPY as the fallback) and moved with `insert ... on conflict (event_id) do nothing`.
Reading, validating and writing run side by side in three threads (see load_file).
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
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb
import numpy as np
import pandas as pd

from objectiv_dbt import settings

DEFAULT_BATCH_LINES = 100_000

# Kinds of rejection, counted in the report. A reason starts with its kind ("invalid id: ...", "not JSON: ..."),
# except an identical duplicate's: "duplicate event_id, identical line (first at line N)".
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
        """The invariant every load keeps (raised, not `assert`ed, so that python -O checks it too)."""
        total = self.inserted + self.already_loaded + self.rejected
        if total != self.lines_read or sum(self.rejects_by_kind.values()) != self.rejected:
            raise AssertionError(
                f"inserted {self.inserted} + already loaded {self.already_loaded} + rejected {self.rejected}"
                f" = {total} != lines read {self.lines_read} (or rejects by kind {self.rejects_by_kind} do not add up)"
            )

    def format(self) -> str:
        rate = self.lines_read / self.seconds if self.seconds > 0 else 0.0
        kinds = sorted(self.rejects_by_kind.items(), key=lambda item: (-item[1], item[0]))
        label = max([16] + [len(kind) + 4 for kind, _ in kinds]) + 2

        def row(name: str, value: str) -> str:
            return f"  {name:<{label}}{value:>12}"

        rows = [
            f"loaded {self.file} into {self.target} {self.table}",
            row("lines read", f"{self.lines_read:,}"),
            row("inserted", f"{self.inserted:,}"),
            row("already loaded", f"{self.already_loaded:,}"),
            row("rejected", f"{self.rejected:,}"),
            *(row(f"  {kind}", f"{count:,}") for kind, count in kinds),
            row("seconds", f"{self.seconds:.1f}") + f"  ({rate:,.0f} lines/s)",
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
            except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
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
        self.shown = 0

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
            padding = " " * max(0, self.shown - len(line))  # wipe the rest of a longer previous line
            self.shown = len(line)
            sys.stderr.write("\r" + line + padding + ("\n" if final else ""))
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

_STAGE = "_load_stage"  # an in-memory database attached to the validating connection, seen by the writer


def _checked_table(number: int) -> str:
    return f"{_STAGE}.checked_{number}"


_VALIDATE_SQL = f"""
create or replace table @CHECKED@ as
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
),
judged as (
    select *, {_KIND_SQL} as kind from fields
)
select line_number, line,
    event_id, day, moment, cookie_id,
    case when is_row then j.value end as value_json,
    hash(line) as line_hash,
    case when coalesce(kind <> {_lit(NOT_JSON)}, true)
         then regexp_matches(line, ',\\s*[\\]}}]') or contains(line, 'NaN') or contains(line, 'Infinity')
         else false end as lax_candidate,
    kind,
    case when kind is not null then {_REASON_SQL} end as reason
from judged
"""

_DUPLICATES_SQL = """
with good as (
    select line_number, event_id, line_hash from @CHECKED@ where kind is null
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
update @CHECKED@ c set
    kind = case when dups.identical then '%(identical)s' else '%(duplicate)s' end,
    reason = case when dups.identical
        then 'duplicate event_id, identical line (first at line ' || dups.first_line || ')'
        else 'duplicate event_id (first at line ' || dups.first_line || ')' end
from dups where c.line_number = dups.line_number
""" % {"identical": DUPLICATE_IDENTICAL, "duplicate": DUPLICATE}


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
        # "Invalid control character at" -> "... at column 9"; "Expecting value" -> "... (column 1)"
        return f"{error.msg} column {error.colno}" if error.msg.endswith(" at") else f"{error.msg} (column {error.colno})"
    except RecursionError:
        return "nested too deeply"
    try:  # Python accepts it; DuckDB may not (e.g. a lone UTF-16 surrogate escape)
        duck.execute("select json(?)", [line]).fetchall()
    except duckdb.Error as error:
        return str(error).split("Error: ", 1)[-1].split("  Input:", 1)[0].strip()
    return None


def _validate(duck: duckdb.DuckDBPyConnection, batch: _Batch, checked: str) -> tuple[int, dict[str, int]]:
    """Fill table `checked` with the batch's rows: fields, kind and reason (NULL when good).

    Returns (good rows, {reject kind: count}).
    """
    duck.register("_load_batch", batch.frame)
    try:
        duck.execute(_VALIDATE_SQL.replace("@CHECKED@", checked))
    finally:
        duck.unregister("_load_batch")
    # Details DuckDB cannot give: why a line is not JSON, and JSON that DuckDB's parser tolerates but the
    # standard (and PostgreSQL's json type) does not: trailing commas, NaN, Infinity.
    fixes: dict[int, str] = {}
    for number, line, kind in duck.execute(
        f"select line_number, line, kind from {checked} where kind = {_lit(NOT_JSON)} or lax_candidate"
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
                f"update {checked} c set kind = {_lit(NOT_JSON)}, reason = f.reason"
                " from _load_fixes f where c.line_number = f.line_number"
            )
        finally:
            duck.unregister("_load_fixes")
    # Repeats of an event_id seen earlier in this file (this batch or an earlier one).
    duck.execute(_DUPLICATES_SQL.replace("@CHECKED@", checked))
    duck.execute(f"insert into _load_seen select event_id, line_number, line_hash from {checked} where kind is null")
    good, rejects = 0, {}
    for kind, count in duck.execute(f"select kind, count(*) from {checked} group by kind").fetchall():
        if kind is None:
            good = count
        else:
            rejects[kind] = count
    return good, rejects


def _good_rows_sql(checked: str) -> str:
    return (
        "select event_id, day, moment, cookie_id, coalesce(value_json, line) as value"
        f" from {checked} where kind is null"
    )


def _reject_rows_sql(checked: str) -> str:
    """Parameters: file, rejected_at."""
    return (
        "select ?::varchar as file, line_number, reason, line, ?::timestamp as rejected_at"
        f" from {checked} where kind is not null"
    )


@dataclass
class _Checked:
    """A validated batch waiting in the stage database for the writer."""

    table: str
    first_line: int
    last_line: int
    position: int  # bytes of the file read when the batch was complete
    good: int
    rejected: int

    @property
    def lines(self) -> int:
        return self.last_line - self.first_line + 1


# The writer commits once it has at least a DuckDB row group of rows (122,880): DuckDB then writes them
# compressed straight to the database file, instead of into the write-ahead log and again at a checkpoint.
_WRITE_ROWS = 122_880
# Up to this many rows in the DuckDB table, look for already loaded event_ids by scanning its event_id column.
_PROBE_MAX_ROWS = 20_000_000
_DUCKDB_THREADS = 1
_USE_POSTGRES_EXTENSION = True  # False: psycopg2 COPY of CSV written by DuckDB (the fallback; tests use it)


# ---------------------------------------------------------------------------------------------- targets


def _create_sql(schema: str, table: str, json_type: str) -> list[str]:
    return [
        f"create schema if not exists {_q(schema)}",
        f"create table if not exists {_q(schema)}.{_q(table)} (event_id uuid primary key, day date not null,"
        f" moment timestamp not null, cookie_id uuid not null, value {json_type} not null)",
        f"create table if not exists {_q(schema)}.{_q(table + '_rejects')} (file varchar, line_number bigint,"
        " reason varchar, line varchar, rejected_at timestamp, primary key (file, line_number))",
    ]


def _prepare_validator(duck: duckdb.DuckDBPyConnection) -> None:
    duck.execute("set TimeZone = 'UTC'")
    # One DuckDB thread per connection: the stages (reader, validator, writer) already run side by side, and
    # on 2 cores DuckDB's own worker threads only add contention (measured: 1M events took ~35% less CPU).
    duck.execute(f"set threads = {_DUCKDB_THREADS}")
    duck.execute(f"attach ':memory:' as {_STAGE}")
    duck.execute("create temp table _load_seen (event_id uuid, line_number bigint, line_hash ubigint)")


class _DuckDBTarget:
    """Validates in the target database itself; a second connection (cursor) inserts."""

    name = "duckdb"

    def __init__(self, path: Path, schema: str, table: str):
        self.path = path
        self.data = f"{_q(schema)}.{_q(table)}"
        self.rejects = f"{_q(schema)}.{_q(table + '_rejects')}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.validator = duckdb.connect(str(path))
        except (duckdb.Error, OSError) as error:
            raise LoadError(f"cannot open DuckDB database {path}: {str(error).strip()}") from None
        for statement in _create_sql(schema, table, "json"):
            self.validator.execute(statement)
        _prepare_validator(self.validator)
        # How to skip rows already loaded. Measured at 1M events: probing the table's event_id column with a
        # semi-join, then a plain insert, costs less than `insert or ignore` (which checks every row in the
        # key index), as long as the table is not huge; a huge keyed table is better off with the index.
        keyed = self.validator.execute(
            "select count(*) from duckdb_constraints() where schema_name = ? and table_name = ?"
            " and constraint_type in ('PRIMARY KEY', 'UNIQUE') and constraint_column_names = ['event_id']",
            [schema, table],
        ).fetchone()[0]
        rows = self.validator.execute(f"select count(*) from {self.data}").fetchone()[0]
        self.use_index = bool(keyed) and rows > _PROBE_MAX_ROWS
        # DuckDB picks FSST for the JSON text anyway; forcing it skips trying the other string compressions
        # (measured: 10% less CPU in the writer, same file size). Other types keep their usual compression.
        self.validator.execute("set force_compression = 'fsst'")
        self.writer = self.validator.cursor()

    def describe(self) -> str:
        return f"{self.data.replace(chr(34), '')} ({self.path})"

    def _insert(self, duck: duckdb.DuckDBPyConnection, checked: str) -> int:
        good = _good_rows_sql(checked)
        if self.use_index:
            return duck.execute(f"insert or ignore into {self.data} {good}").fetchone()[0]
        present = f"select event_id from {self.data} where event_id in (select event_id from {checked} where kind is null)"
        if duck.execute(f"select count(*) from ({present})").fetchone()[0] == 0:
            return duck.execute(f"insert into {self.data} {good}").fetchone()[0]
        return duck.execute(f"insert into {self.data} select * from ({good}) where event_id not in ({present})").fetchone()[0]

    def write(self, batches: list[_Checked], file: str, rejected_at: datetime) -> int:
        duck = self.writer
        inserted = 0
        duck.execute("begin")
        try:
            for batch in batches:
                inserted += self._insert(duck, batch.table)
                # Rejects of this file's lines in this range that are good now are stale.
                duck.execute(
                    f"delete from {self.rejects} where file = ? and line_number between ? and ?"
                    f" and line_number not in (select line_number from {batch.table} where kind is not null)",
                    [file, batch.first_line, batch.last_line],
                )
                if batch.rejected:
                    duck.execute(
                        f"insert or replace into {self.rejects} {_reject_rows_sql(batch.table)}", [file, rejected_at]
                    )
            duck.execute("commit")
        except BaseException:
            duck.execute("rollback")
            raise
        return inserted

    def close(self) -> None:
        self.writer.close()
        self.validator.close()


def _postgres_extension() -> str | None:
    """DuckDB's postgres extension as shipped in the pinned pip package (no download), if it is there."""
    try:
        import duckdb_extension_postgres_scanner as package
    except ImportError:
        return None
    found = sorted(Path(package.__file__).parent.glob("extensions/*/postgres_scanner.duckdb_extension"))
    return str(found[-1]) if found else None


class _PostgresTarget:
    """Validates in an in-memory DuckDB; the writer sends the good rows to PostgreSQL.

    The good rows go into an unlogged stage table with DuckDB's postgres extension (binary COPY straight
    from DuckDB), then `insert ... on conflict (event_id) do nothing` moves them into the table. Measured
    per 100,000 events: 2.2 s, against 6.9 s for writing CSV from DuckDB and COPYing it with psycopg2,
    which remains the fallback when the extension cannot be loaded.
    """

    name = "postgres"

    def __init__(self, dsn: str, schema: str, table: str):
        import psycopg2

        self.data = f"{_q(schema)}.{_q(table)}"
        self.rejects = f"{_q(schema)}.{_q(table + '_rejects')}"
        self.dsn = dsn
        try:
            self.pg = psycopg2.connect(dsn, connect_timeout=10)
        except psycopg2.OperationalError as error:
            message = str(error).strip().splitlines()
            raise LoadError(f"cannot connect to PostgreSQL ({dsn}): {message[0] if message else 'failed'}") from None
        self.validator = duckdb.connect()
        _prepare_validator(self.validator)
        self.stage_name = f"{table}_loading_{os.getpid()}"
        self.stage: str | None = None
        extension = _postgres_extension() if _USE_POSTGRES_EXTENSION else None
        with self.pg.cursor() as cursor:
            cursor.execute("set synchronous_commit = off")
            for statement in _create_sql(schema, table, "json"):
                cursor.execute(statement)
            columns = "(event_id uuid, day date, moment timestamp, cookie_id uuid, value json)"
            if extension:
                cursor.execute(f"create unlogged table if not exists {_q(schema)}.{_q(self.stage_name)} {columns}")
            cursor.execute(f"create temp table _load_good {columns}")
            cursor.execute(
                "create temp table _load_rejects (file varchar, line_number bigint, reason varchar, line varchar,"
                " rejected_at timestamp)"
            )
        self.pg.commit()
        if extension:
            try:
                self.validator.execute(f"load {_lit(extension)}")
                self.validator.execute(f"attach {_lit(dsn)} as _load_pg (type postgres)")
                self.stage = f"_load_pg.{_q(schema)}.{_q(self.stage_name)}"
            except duckdb.Error:
                self.stage = None
        self.writer = self.validator.cursor()
        self.tmpdir = tempfile.TemporaryDirectory(prefix="objectiv-load-")
        self.schema = schema

    def describe(self) -> str:
        return f"{self.data.replace(chr(34), '')} ({self.dsn})"

    def _copy(self, cursor, select_sql: str, params: list, table: str) -> None:
        path = os.path.join(self.tmpdir.name, "batch.csv")
        self.writer.execute(f"copy ({select_sql}) to {_lit(path)} (format csv, header false)", params)
        try:
            with open(path, "rb") as handle:
                cursor.copy_expert(f"copy {table} from stdin with (format csv)", handle, size=1 << 20)
        finally:
            os.unlink(path)

    def write(self, batches: list[_Checked], file: str, rejected_at: datetime) -> int:
        inserted = 0
        for batch in batches:  # one transaction per batch
            try:
                with self.pg.cursor() as cursor:
                    if self.stage:  # committed by DuckDB on its own connection before we read it
                        self.writer.execute(f"insert into {self.stage} {_good_rows_sql(batch.table)}")
                        source = f"{_q(self.schema)}.{_q(self.stage_name)}"
                    else:
                        cursor.execute("truncate _load_good")
                        self._copy(cursor, _good_rows_sql(batch.table), [], "_load_good")
                        source = "_load_good"
                    cursor.execute(f"insert into {self.data} select * from {source} on conflict (event_id) do nothing")
                    inserted += cursor.rowcount
                    cursor.execute(f"truncate {source}")
                    cursor.execute("truncate _load_rejects")
                    if batch.rejected:
                        # PostgreSQL text cannot hold NUL characters: show them as \u0000 in the rejected line.
                        self._copy(
                            cursor,
                            "select file, line_number, reason, replace(line, chr(0), '\\u0000'), rejected_at"
                            f" from ({_reject_rows_sql(batch.table)})",
                            [file, rejected_at],
                            "_load_rejects",
                        )
                    cursor.execute(
                        f"delete from {self.rejects} r where file = %s and line_number between %s and %s"
                        " and not exists (select 1 from _load_rejects n where n.line_number = r.line_number)",
                        [file, batch.first_line, batch.last_line],
                    )
                    if batch.rejected:
                        cursor.execute(
                            f"insert into {self.rejects} select * from _load_rejects on conflict (file, line_number)"
                            " do update set reason = excluded.reason, line = excluded.line,"
                            " rejected_at = excluded.rejected_at"
                        )
                self.pg.commit()
            except BaseException:
                self.pg.rollback()
                raise
        return inserted

    def close(self) -> None:
        self.writer.close()
        self.validator.close()
        try:
            self.pg.rollback()
            with self.pg.cursor() as cursor:
                cursor.execute(f"drop table if exists {_q(self.schema)}.{_q(self.stage_name)}")
            self.pg.commit()
        finally:
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

    Three stages overlap: a thread reads and decodes batch k+2, this thread validates batch k+1 in DuckDB
    while another thread writes batch k to the target (DuckDB releases the GIL while it works).
    """
    if target not in settings.TARGETS:
        raise LoadError(f"unknown target {target!r} (choose from {', '.join(settings.TARGETS)})")
    if batch_lines < 1:
        raise LoadError(f"batch lines must be at least 1, not {batch_lines}")
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
        db_path = Path(duckdb_path).resolve() if duckdb_path else settings.duckdb_path()
        sink: _DuckDBTarget | _PostgresTarget = _DuckDBTarget(db_path, names.schema, names.table)
    else:
        sink = _PostgresTarget(dsn or settings.postgres_settings().dsn(), names.schema, names.table)
    file = str(source)
    report = LoadReport(file=file, target=target, table=sink.describe())
    bar = _Progress(size, f"loading {source.name}", sys.stderr.isatty() if progress is None else progress)
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="objectiv-load-writer")
    pending: tuple[Future, list[_Checked]] | None = None  # the group being written
    group: list[_Checked] = []  # validated, not yet handed to the writer

    def finish_pending() -> None:
        nonlocal pending
        if pending is None:
            return
        future, batches = pending
        pending = None
        inserted = future.result()
        for batch in batches:
            sink.validator.execute(f"drop table {batch.table}")
        report.inserted += inserted
        report.already_loaded += sum(batch.good for batch in batches) - inserted
        report.lines_read += sum(batch.lines for batch in batches)

    def hand_over() -> None:
        nonlocal pending, group
        finish_pending()  # the previous group's write ran while this group was validated
        at = datetime.now(timezone.utc).replace(tzinfo=None)
        pending = (writer.submit(sink.write, group, file, at), group)
        group = []

    try:
        validated = 0
        for number, batch in enumerate(_prefetch(_read_batches(source, batch_lines))):
            count = len(batch.frame)
            table = _checked_table(number)
            good, kinds = _validate(sink.validator, batch, table)
            rejected = sum(kinds.values())
            report.rejected += rejected
            for kind, n in kinds.items():
                report.rejects_by_kind[kind] = report.rejects_by_kind.get(kind, 0) + n
            group.append(_Checked(table, batch.first_line, batch.first_line + count - 1, batch.position, good, rejected))
            report.bytes_read = batch.position
            validated += count
            bar.update(batch.position, validated)
            del batch
            if sum(checked.lines for checked in group) >= _WRITE_ROWS or len(group) >= 16:
                hand_over()
        if group:
            hand_over()
        finish_pending()
        bar.update(size, report.lines_read, final=True)
    finally:
        if pending is not None:
            pending[0].cancel()
            try:
                pending[0].result()
            except BaseException:
                pass
        writer.shutdown(wait=True)
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
    except Exception as error:  # a database refusing a statement (rights, a table of another layout, ...)
        if type(error).__module__.startswith("psycopg2"):
            lines = str(error).strip().splitlines()
            print(f"error: PostgreSQL: {lines[0] if lines else type(error).__name__}", file=sys.stderr)
            return 1
        raise
    except KeyboardInterrupt:
        print("\ninterrupted (batches loaded so far stay loaded; loading again is safe)", file=sys.stderr)
        return 130
    print(report.format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
