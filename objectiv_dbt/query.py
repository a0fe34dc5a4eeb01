"""Runs one SQL query against the built models and prints the result: `make query SQL="..."`."""

from __future__ import annotations

import argparse

import pandas as pd

from objectiv_dbt.db import connect, query
from objectiv_dbt.settings import TARGETS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sql")
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    arguments = parser.parse_args()
    with connect(arguments.target) as connection:
        result = query(connection, arguments.sql)
    with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
        print(result.to_string(index=False))


if __name__ == "__main__":
    main()
