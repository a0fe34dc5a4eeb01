"""Comparing a table dbt built with the same table computed in pandas: rows matched on keys, floats within 1e-9."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
import pytest

AUDIT_COLUMN = "dbt_updated_at"


def without_nan(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns with None for every missing value, so that NULL keys compare equal."""
    return frame.astype(object).where(frame.notna(), None)


def without_audit_column(got: pd.DataFrame, wanted: pd.DataFrame) -> pd.DataFrame:
    """The audit column of incremental marts (when the row was built) has no reference: filled, nothing more."""
    if AUDIT_COLUMN not in got.columns or AUDIT_COLUMN in wanted.columns:
        return got
    assert got[AUDIT_COLUMN].notna().all(), AUDIT_COLUMN
    return got.drop(columns=AUDIT_COLUMN)


def _comparable(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.date()
    return str(value) if isinstance(value, (bytes, memoryview)) else value


def rows_by_key(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> dict[tuple, dict]:
    records = [{c: _comparable(v) for c, v in row.items()} for row in frame[columns].to_dict("records")]
    by_key = {tuple(record[k] for k in keys): record for record in records}
    assert len(by_key) == len(records), "keys must be unique"
    return by_key


def assert_same_rows(got: pd.DataFrame, wanted: pd.DataFrame, keys: list[str], floats: Iterable[str] = ()) -> None:
    """Same rows (matched on the keys), integers and texts exactly, floats within 1e-9 relative."""
    got = without_audit_column(got, wanted)
    columns = list(wanted.columns)
    assert sorted(got.columns) == sorted(columns)
    got_rows, wanted_rows = rows_by_key(got, keys, columns), rows_by_key(wanted, keys, columns)
    assert set(got_rows) == set(wanted_rows)
    floats = set(floats)
    for key, expected in wanted_rows.items():
        actual = got_rows[key]
        for column in columns:
            if column in floats and expected[column] is not None:
                assert actual[column] == pytest.approx(expected[column], rel=1e-9), (key, column)
            else:
                assert actual[column] == expected[column], (key, column)
