"""The rules a line must pass, as SQL: which kind of reject a line is (KIND_SQL) and why (REASON_SQL).

Both are expressions over the columns of the `fields` CTE in validate.py.
"""

from __future__ import annotations

from objectiv_dbt.loader.report import NOT_JSON
from objectiv_dbt.loader.sql import sql_literal


def _shown(json_path: str) -> str:
    """SQL: the field's JSON text as found in the line, shortened, to quote it in a reason."""
    text = f"json_extract(line, {sql_literal(json_path)})::varchar"
    return f"(case when length({text}) > 80 then left({text}, 77) || '...' else {text} end)"


def _present(json_path: str) -> str:
    return f"(json_extract(line, {sql_literal(json_path)}) is not null)"


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
            sql_literal(f"missing {name}"),
        ),
        (
            f"case when coalesce({ok_sql}, false) then false when {field_sql} is not null then true"
            f" else {_present(json_path)} end",
            f"invalid {name}",
            f"'invalid {name}: ' || {_shown(json_path)} || {sql_literal(why)}",
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
        f"'invalid value: ' || {_type_name('json_extract(line, ' + sql_literal('$.value') + ')')}"
        " || ', not a JSON object'",
    ),
]


def _checks_sql() -> tuple[str, str]:
    """SQL expressions (kind, reason) over the columns of the `fields` CTE below."""
    checks = [(NOT_JSON, "not is_json", sql_literal(NOT_JSON))]
    checks.append(
        ("not a JSON object", "is_json and not is_object", f"'not a JSON object: found ' || {_type_name('line')}")
    )
    checks += [(kind, f"is_object and not is_row and ({cond})", msg) for cond, kind, msg in _RAW_CHECKS]
    checks += [(kind, f"is_object and is_row and ({cond})", msg) for cond, kind, msg in _ROW_CHECKS]
    kind = "case " + " ".join(f"when {cond} then {sql_literal(k)}" for k, cond, _ in checks) + " end"
    # The first two checks exclude everything after them; the field checks all report.
    reason = (
        f"case when not is_json then {checks[0][2]} when not is_object then {checks[1][2]} else nullif(concat_ws('; ', "
        + ", ".join(f"case when {cond} then {msg} end" for _, cond, msg in checks[2:])
        + "), '') end"
    )
    return kind, reason


KIND_SQL, REASON_SQL = _checks_sql()
