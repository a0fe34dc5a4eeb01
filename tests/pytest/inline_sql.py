"""SQL that macros generate, compiled by dbt against a built warehouse and then run there."""

from __future__ import annotations

import json

import pandas as pd

SEPARATOR = "-- next query"


def compiled(warehouse, templates: list[str], vars: dict | None = None) -> list[str]:
    """Each Jinja template (e.g. "{{ unique_users_over(...) }}") as the SQL dbt compiles it, in one dbt call."""
    output = warehouse.dbt("compile", "--inline", f"\n{SEPARATOR}\n".join(templates), "--output", "json", "--quiet",
                           vars=vars)
    queries = json.loads(output[output.index("{"):])["compiled"].split(SEPARATOR)
    assert len(queries) == len(templates)
    return queries


def _escaped(sql: str) -> str:
    """SQL escaped for the str.format of Warehouse.query, so that its own braces (JSON literals) stay."""
    return sql.replace("{", "{{").replace("}", "}}")


def query_templates(warehouse, templates: list[str], vars: dict | None = None) -> list[pd.DataFrame]:
    """The result of each template's compiled SQL."""
    return [warehouse.query(_escaped(sql)) for sql in compiled(warehouse, templates, vars)]


def query_model(warehouse, model: str, vars: dict) -> pd.DataFrame:
    """The rows a model would hold with these vars, by its compiled SQL (the built table is left as it is)."""
    output = warehouse.dbt("compile", "--select", model, "--output", "json", "--quiet", vars=vars)
    return warehouse.query(_escaped(json.loads(output[output.index("{"):])["compiled"]))
