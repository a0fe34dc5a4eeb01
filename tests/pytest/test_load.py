"""The NDJSON loader (objectiv_dbt.load) on DuckDB and PostgreSQL: formats, rejects, idempotence, gzip, errors."""

from __future__ import annotations

import collections
import datetime as dt
import gzip
import json
import uuid

import duckdb
import psycopg2
import pytest

from objectiv_dbt import load
from objectiv_dbt.load import LoadError, LoadReport, load_file

COOKIE = "1cc3cb08-010b-465a-8241-88c9b4d233ea"
OTHER_COOKIE = "a30c5ca2-6f0c-4e56-997c-2148bd71ee8d"


def _uuid(n: int) -> str:
    return str(uuid.UUID(int=0x729C84F991D04F9FBE585CFB2D810000 + n))


def raw_event(n: int, time_ms: int = 1636476263115, cookie: str = COOKIE, **changes) -> dict:
    """A raw tracker event as the tracker sends it (id n, CookieIdContext second in global_contexts)."""
    event = {
        "_type": "PressEvent",
        "_types": ["AbstractEvent", "InteractiveEvent", "PressEvent"],
        "id": _uuid(n),
        "time": time_ms,
        "location_stack": [
            {"_type": "RootLocationContext", "id": "home", "_types": ["AbstractContext", "RootLocationContext"]},
            {"_type": "LinkContext", "id": "github", "href": "https://github.com/objectiv", "text": "GitHub ✓"},
        ],
        "global_contexts": [
            {"_type": "ApplicationContext", "id": "objectiv-website"},
            {"_type": "CookieIdContext", "id": cookie, "cookie_id": cookie},
            {"_type": "CookieIdContext", "id": OTHER_COOKIE, "cookie_id": OTHER_COOKIE},
        ],
    }
    event.update(changes)
    return {key: value for key, value in event.items() if value is not _DROP}


_DROP = object()


def collector_row(n: int, **changes) -> dict:
    row = {
        "event_id": _uuid(n),
        "day": "2021-11-30",
        "moment": "2021-11-30 10:23:36.287",
        "cookie_id": "b2df75d2-d7ca-48ac-9747-af47d7a4a2b2",
        "value": raw_event(n, time_ms=1636476263115),  # the JSON time may disagree with moment: not our business
    }
    row.update(changes)
    return {key: value for key, value in row.items() if value is not _DROP}


def _line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


# (line text or bytes, expected: None = loads, else (reject kind, text the reason must contain))
MIXED: list[tuple[str | bytes, tuple[str, str] | None]] = [
    (_line(raw_event(1)), None),  # 1
    (_line(collector_row(2)), None),  # 2
    # a raw event near midnight UTC: day is the UTC date; content beyond the key fields is not judged
    (_line(raw_event(3, time_ms=1638316799999, _type=_DROP, location_stack=[])), None),  # 3
    ("{not json", ("not JSON", "not JSON: Expecting property name")),  # 4
    ("", ("not JSON", "not JSON: empty line")),  # 5
    (b'{"id": "\xff\xfe"}', ("not JSON", "invalid UTF-8")),  # 6
    ('{"id": "' + _uuid(7) + '", "time": 1,}', ("not JSON", "not JSON")),  # 7 trailing comma
    ('{"id": "' + _uuid(8) + '", "time": NaN}', ("not JSON", "NaN is not valid JSON")),  # 8
    ("[1, 2]", ("not a JSON object", "not a JSON object: found an array")),  # 9
    ('"just text"', ("not a JSON object", "found a string")),  # 10
    (_line(raw_event(11, id=_DROP)), ("missing id", "missing id")),  # 11
    (_line(raw_event(12, id="not-a-uuid")), ("invalid id", 'invalid id: "not-a-uuid" is not a uuid')),  # 12
    (_line(raw_event(13, time=_DROP)), ("missing time", "missing time")),  # 13
    (_line(raw_event(14, time="1636476263115")), ("invalid time", "is not a number")),  # 14
    (_line(raw_event(15, time=10**20)), ("invalid time", "outside the years 1-9999")),  # 15
    (_line(raw_event(16, global_contexts=_DROP)), ("no CookieIdContext", "global_contexts is missing")),  # 16
    (
        _line(raw_event(17, global_contexts=[{"_type": "ApplicationContext", "id": "app"}])),
        ("no CookieIdContext", "no CookieIdContext in global_contexts"),
    ),  # 17
    (
        _line(raw_event(18, global_contexts=[{"_type": "CookieIdContext", "id": "x"}])),
        ("missing cookie_id", "the first CookieIdContext in global_contexts has no cookie_id"),
    ),  # 18
    (_line(raw_event(19, cookie="cookie-19")), ("invalid cookie_id", '"cookie-19"')),  # 19
    (_line(collector_row(20, event_id="20")), ("invalid event_id", "invalid event_id: \"20\" is not a uuid")),  # 20
    (_line(collector_row(21, day="2021-13-01")), ("invalid day", '"2021-13-01" is not a date')),  # 21
    (
        _line(collector_row(22, day="2021-11-29")),
        ("invalid day", "2021-11-29 is not the UTC date of moment 2021-11-30 10:23:36.287"),
    ),  # 22
    (_line(collector_row(23, moment="yesterday")), ("invalid moment", '"yesterday" is not a timestamp')),  # 23
    (_line(collector_row(24, cookie_id=_DROP)), ("missing cookie_id", "missing cookie_id")),  # 24
    (_line(collector_row(25, value=[1, 2])), ("invalid value", "an array, not a JSON object")),  # 25
    (_line(collector_row(26, value=_DROP)), ("missing value", "missing value")),  # 26
    (_line(raw_event(1)), ("duplicate event_id (identical)", "duplicate event_id, identical line (first at line 1)")),
    (_line(raw_event(2, time_ms=1)), ("duplicate event_id", "duplicate event_id (first at line 2)")),  # 28
    (_line(collector_row(29, day="2021-11-30", moment="2021-11-30T12:00:00.5+02:00")), None),  # 29: offset -> UTC
    ('{"id": "\x00"}', ("not JSON", "Invalid control character")),  # 30: a NUL (PostgreSQL text cannot hold it)
]

EXPECTED_ROWS = {
    _uuid(1): (dt.date(2021, 11, 9), dt.datetime(2021, 11, 9, 16, 44, 23, 115000), COOKIE, raw_event(1)),
    _uuid(2): (
        dt.date(2021, 11, 30),
        dt.datetime(2021, 11, 30, 10, 23, 36, 287000),
        "b2df75d2-d7ca-48ac-9747-af47d7a4a2b2",
        raw_event(2),
    ),
    _uuid(3): (
        dt.date(2021, 11, 30),
        dt.datetime(2021, 11, 30, 23, 59, 59, 999000),
        COOKIE,
        raw_event(3, time_ms=1638316799999, _type=_DROP, location_stack=[]),
    ),
    _uuid(29): (
        dt.date(2021, 11, 30),
        dt.datetime(2021, 11, 30, 10, 0, 0, 500000),
        "b2df75d2-d7ca-48ac-9747-af47d7a4a2b2",
        raw_event(29),
    ),
}
EXPECTED_REJECTS = {number: expected for number, (_, expected) in enumerate(MIXED, 1) if expected}


def write_lines(path, lines) -> None:
    data = b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines)
    if str(path).endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)


@pytest.fixture
def mixed_file(tmp_path):
    path = tmp_path / "events.ndjson"
    write_lines(path, [line for line, _ in MIXED])
    return path


def check_report(report: LoadReport, inserted: int, already: int) -> None:
    assert report.lines_read == len(MIXED)
    assert report.inserted == inserted
    assert report.already_loaded == already
    assert report.rejected == len(EXPECTED_REJECTS)
    assert report.inserted + report.already_loaded + report.rejected == report.lines_read
    assert report.rejects_by_kind == collections.Counter(kind for kind, _ in EXPECTED_REJECTS.values())


def check_tables(rows, rejects, file: str) -> None:
    assert {row[0]: row[1:4] for row in rows} == {key: value[:3] for key, value in EXPECTED_ROWS.items()}
    for event_id, *_, value in rows:
        assert json.loads(value) == EXPECTED_ROWS[event_id][3], event_id
    assert {number for _, number, _ in rejects} == set(EXPECTED_REJECTS)
    assert len(rejects) == len(EXPECTED_REJECTS)  # one row per bad line
    for reject_file, number, reason in rejects:
        assert reject_file == file
        assert EXPECTED_REJECTS[number][1] in reason, (number, reason)


MANIFEST_SQL = ("select load_id, file, day, sum(row_count), min(first_moment), max(last_moment), min(loaded_at)"
                " from {table}_loads group by load_id, file, day")


def check_manifest(manifest: list[tuple], loads: int, file: str) -> None:
    """Each load recorded its valid rows per day (already loaded ones included), with their moments."""
    days = collections.defaultdict(list)
    for day, moment, *_ in EXPECTED_ROWS.values():
        days[day].append(moment)
    wanted = {(day, len(moments), min(moments), max(moments)) for day, moments in days.items()}
    assert len({row[0] for row in manifest}) == loads
    for load_id in {row[0] for row in manifest}:
        rows = [row for row in manifest if row[0] == load_id]
        assert {row[1] for row in rows} == {file} and all(row[6] is not None for row in rows)
        assert {(day, count, first, last) for _, _, day, count, first, last, _ in rows} == wanted


def duckdb_tables(db_path, schema: str = "raw", table: str = "data"):
    with duckdb.connect(str(db_path)) as con:
        rows = con.execute(f"select event_id::varchar, day, moment, cookie_id::varchar, value from {schema}.{table}")
        rows = rows.fetchall()
        rejects = con.execute(f"select file, line_number, reason from {schema}.{table}_rejects").fetchall()
    return rows, rejects


def test_duckdb_mixed_file_loads_good_lines_and_rejects_every_bad_kind(mixed_file, tmp_path):
    db = tmp_path / "t.duckdb"
    report = load_file(mixed_file, duckdb_path=db, progress=False)
    check_report(report, inserted=len(EXPECTED_ROWS), already=0)
    rows, rejects = duckdb_tables(db)
    check_tables(rows, rejects, str(mixed_file.resolve()))
    with duckdb.connect(str(db)) as con:
        types = dict(con.execute("select column_name, data_type from information_schema.columns "
                                 "where table_schema = 'raw' and table_name = 'data'").fetchall())
    assert types == {"event_id": "UUID", "day": "DATE", "moment": "TIMESTAMP", "cookie_id": "UUID", "value": "JSON"}


def test_duckdb_loading_twice_inserts_nothing_new(mixed_file, tmp_path, monkeypatch):
    db = tmp_path / "t.duckdb"
    monkeypatch.setenv("DUCKDB_PATH", str(db))  # the default database comes from settings.duckdb_path()
    load_file(mixed_file, progress=False)
    again = load_file(mixed_file, progress=False)
    check_report(again, inserted=0, already=len(EXPECTED_ROWS))
    rows, rejects = duckdb_tables(db)
    check_tables(rows, rejects, str(mixed_file.resolve()))
    with duckdb.connect(str(db)) as con:
        check_manifest(con.execute(MANIFEST_SQL.format(table="raw.data")).fetchall(), 2, str(mixed_file.resolve()))


def test_duckdb_small_batches_give_the_same_result(mixed_file, tmp_path):
    """Duplicates are found across batches, with the line of the first occurrence."""
    db = tmp_path / "t.duckdb"
    report = load_file(mixed_file, duckdb_path=db, batch_lines=4, schema="s", table="events", progress=False)
    check_report(report, inserted=len(EXPECTED_ROWS), already=0)
    check_tables(*duckdb_tables(db, "s", "events"), str(mixed_file.resolve()))


def test_duckdb_gzip_file(tmp_path):
    path = tmp_path / "events.ndjson.gz"
    write_lines(path, [line for line, _ in MIXED])
    db = tmp_path / "t.duckdb"
    report = load_file(path, duckdb_path=db, progress=False)
    check_report(report, inserted=len(EXPECTED_ROWS), already=0)
    check_tables(*duckdb_tables(db), str(path.resolve()))


def test_duckdb_existing_tables_and_the_index_path(mixed_file, tmp_path, monkeypatch):
    """A collector table without a key (anti-join path), and a keyed one loaded through `insert or ignore`."""
    db = tmp_path / "t.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.data (event_id uuid, day date, moment timestamp, cookie_id uuid, value json)")
    for _ in range(2):
        report = load_file(mixed_file, duckdb_path=db, progress=False)
    check_report(report, inserted=0, already=len(EXPECTED_ROWS))
    check_tables(*duckdb_tables(db), str(mixed_file.resolve()))
    monkeypatch.setattr(load, "_PROBE_MAX_ROWS", -1)  # as if the table were huge: use the key index
    first = load_file(mixed_file, duckdb_path=db, table="keyed", progress=False)
    again = load_file(mixed_file, duckdb_path=db, table="keyed", progress=False)
    check_report(first, inserted=len(EXPECTED_ROWS), already=0)
    check_report(again, inserted=0, already=len(EXPECTED_ROWS))
    check_tables(*duckdb_tables(db, table="keyed"), str(mixed_file.resolve()))


def test_rejects_follow_the_file_when_a_line_is_fixed(tmp_path):
    path = tmp_path / "events.ndjson"
    db = tmp_path / "t.duckdb"
    write_lines(path, [_line(raw_event(1)), "oops"])
    assert load_file(path, duckdb_path=db, progress=False).rejected == 1
    write_lines(path, [_line(raw_event(1)), _line(raw_event(2))])
    report = load_file(path, duckdb_path=db, progress=False)
    assert (report.inserted, report.already_loaded, report.rejected) == (1, 1, 0)
    rows, rejects = duckdb_tables(db)
    assert len(rows) == 2 and rejects == []


def test_missing_file_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "t.duckdb"))
    with pytest.raises(LoadError, match="no such file"):
        load_file(tmp_path / "nope.ndjson")
    assert load.main([str(tmp_path / "nope.ndjson")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().splitlines() == [
        f"error: no such file: {tmp_path / 'nope.ndjson'} (`make demo-data` writes one; or pass EVENTS=path/to/events.ndjson)"
    ]
    assert not (tmp_path / "t.duckdb").exists()


def test_unreachable_postgres_is_a_clear_error(mixed_file, capsys, monkeypatch):
    monkeypatch.setenv("POSTGRES_HOST", "127.0.0.1")
    monkeypatch.setenv("POSTGRES_PORT", "9")  # discard port: nothing listens there
    assert load.main([str(mixed_file), "--target", "postgres"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: cannot connect to PostgreSQL")


def test_cli_prints_the_report(mixed_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "t.duckdb"))
    assert load.main([str(mixed_file), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    for label, value in [
        ("lines read", len(MIXED)),
        ("inserted", len(EXPECTED_ROWS)),
        ("already loaded", 0),
        ("rejected", len(EXPECTED_REJECTS)),
        ("invalid day", 2),
        ("not JSON", 6),
    ]:
        line = next(line for line in out.splitlines() if line.strip().startswith(label + " "))
        assert line.split()[-1] == str(value), line
    assert "inserted + already loaded + rejected" in out
    assert err == ""


@pytest.mark.postgres
def test_postgres_mixed_file_twice(postgres, pg_schema, mixed_file):
    dsn = postgres.dsn()
    report = load_file(mixed_file, target="postgres", schema=pg_schema, dsn=dsn, progress=False)
    check_report(report, inserted=len(EXPECTED_ROWS), already=0)
    again = load_file(mixed_file, target="postgres", schema=pg_schema, dsn=dsn, batch_lines=5, progress=False)
    check_report(again, inserted=0, already=len(EXPECTED_ROWS))
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(f"select event_id::text, day, moment, cookie_id::text, value::text from {pg_schema}.data")
        rows = cursor.fetchall()
        cursor.execute(f"select file, line_number, reason from {pg_schema}.data_rejects")
        rejects = cursor.fetchall()
        cursor.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = %s and table_name = 'data'",
            [pg_schema],
        )
        types = dict(cursor.fetchall())
        cursor.execute(MANIFEST_SQL.format(table=f"{pg_schema}.data"))
        manifest = cursor.fetchall()
    connection.close()
    check_tables(rows, rejects, str(mixed_file.resolve()))
    check_manifest(manifest, 2, str(mixed_file.resolve()))
    assert types == {
        "event_id": "uuid",
        "day": "date",
        "moment": "timestamp without time zone",
        "cookie_id": "uuid",
        "value": "json",
    }


@pytest.mark.postgres
@pytest.mark.parametrize("extension", [True, False], ids=["duckdb-postgres-extension", "psycopg2-copy"])
def test_postgres_gzip_collector_rows(postgres, pg_schema, tmp_path, monkeypatch, extension):
    monkeypatch.setattr(load, "_USE_POSTGRES_EXTENSION", extension)
    path = tmp_path / "rows.ndjson.gz"
    write_lines(path, [_line(collector_row(n)) for n in range(40, 45)])
    report = load_file(path, target="postgres", schema=pg_schema, table="events", dsn=postgres.dsn(), progress=False)
    assert (report.lines_read, report.inserted, report.rejected) == (5, 5, 0)
    with psycopg2.connect(postgres.dsn()) as connection, connection.cursor() as cursor:
        cursor.execute(f"select count(*), min(moment) from {pg_schema}.events")
        assert cursor.fetchone() == (5, dt.datetime(2021, 11, 30, 10, 23, 36, 287000))
        cursor.execute("select table_name from information_schema.tables where table_schema = %s", [pg_schema])
        assert sorted(name for (name,) in cursor.fetchall()) == ["events", "events_loads", "events_rejects"]  # no stage left
    connection.close()
