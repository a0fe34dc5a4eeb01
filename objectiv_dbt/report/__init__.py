"""The offline HTML report of the built models: `render_report(connection, schema) -> str` (page.py), read by
queries.py and drawn by charts.py; `python -m objectiv_dbt.report` (or `make report`) writes it to a file."""

from objectiv_dbt.report.page import render_report

__all__ = ["render_report"]
