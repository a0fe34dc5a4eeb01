"""Validating a batch in DuckDB: one JSON parse per line, the checks, duplicates, and the strict-JSON details."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import pandas as pd

from objectiv_dbt.loader.checks import KIND_SQL, REASON_SQL
from objectiv_dbt.loader.reading import Batch
from objectiv_dbt.loader.report import DUPLICATE, DUPLICATE_IDENTICAL, NOT_JSON
from objectiv_dbt.loader.sql import sql_literal

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
_DUCKDB_THREADS = 1  # see prepare_validator

_STAGE = "_load_stage"  # an in-memory database attached to the validating connection, seen by the writer


def checked_table(number: int) -> str:
    return f"{_STAGE}.checked_{number}"


_VALIDATE_SQL = f"""
create or replace table @CHECKED@ as
with parsed as (
    select line_number, line, try(from_json(line, {sql_literal(_STRUCT)})) as j
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
    select *, {KIND_SQL} as kind from fields
)
select line_number, line,
    event_id, day, moment, cookie_id,
    case when is_row then j.value end as value_json,
    hash(line) as line_hash,
    case when coalesce(kind <> {sql_literal(NOT_JSON)}, true)
         then regexp_matches(line, ',\\s*[\\]}}]') or contains(line, 'NaN') or contains(line, 'Infinity')
         else false end as lax_candidate,
    kind,
    case when kind is not null then {REASON_SQL} end as reason
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


def validate(duck: duckdb.DuckDBPyConnection, batch: Batch, checked: str) -> tuple[int, dict[str, int]]:
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
        f"select line_number, line, kind from {checked} where kind = {sql_literal(NOT_JSON)} or lax_candidate"
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
                f"update {checked} c set kind = {sql_literal(NOT_JSON)}, reason = f.reason"
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


def good_rows_sql(checked: str) -> str:
    return (
        "select event_id, day, moment, cookie_id, coalesce(value_json, line) as value"
        f" from {checked} where kind is null"
    )


def reject_rows_sql(checked: str) -> str:
    """Parameters: file, rejected_at."""
    return (
        "select ?::varchar as file, line_number, reason, line, ?::timestamp as rejected_at"
        f" from {checked} where kind is not null"
    )


@dataclass
class Checked:
    """A validated batch waiting in the stage database for the writer."""

    table: str
    first_line: int
    last_line: int
    position: int  # bytes of the file read when the batch was complete
    good: int
    rejected: int
    refused: int = 0  # good rows the target refused when writing (now rejects, kind NOT_JSON)

    @property
    def lines(self) -> int:
        return self.last_line - self.first_line + 1

    def refuse(self, rows: int) -> None:
        self.good -= rows
        self.rejected += rows
        self.refused += rows


def prepare_validator(duck: duckdb.DuckDBPyConnection) -> None:
    duck.execute("set TimeZone = 'UTC'")
    # One DuckDB thread per connection: the stages (reader, validator, writer) already run side by side, and
    # on 2 cores DuckDB's own worker threads only add contention (measured: 1M events took ~35% less CPU).
    duck.execute(f"set threads = {_DUCKDB_THREADS}")
    duck.execute(f"attach ':memory:' as {_STAGE}")
    duck.execute("create temp table _load_seen (event_id uuid, line_number bigint, line_hash ubigint)")
