"""Where the project's data lives: the same settings dbt reads (profiles.yml and dbt_project.yml vars).

Connection settings come from the environment variables profiles.yml reads, with the same defaults,
so the Python tools (loader, summary, KPI CLI) and dbt always talk to the same database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGETS = ("duckdb", "postgres")


def project_vars() -> dict:
    """The `vars:` block of dbt_project.yml (defaults the user may override with --vars)."""
    with open(PROJECT_DIR / "dbt_project.yml") as handle:
        return yaml.safe_load(handle).get("vars", {})


def duckdb_path() -> Path:
    return Path(os.environ.get("DUCKDB_PATH", PROJECT_DIR / "objectiv.duckdb")).resolve()


def snapshot_dir() -> Path:
    """Where the published read-only snapshots of the DuckDB build live (SNAPSHOT_DIR; default beside the
    DuckDB file: objectiv.duckdb -> objectiv_snapshots/)."""
    configured = os.environ.get("SNAPSHOT_DIR")
    if configured:
        return Path(configured).resolve()
    path = duckdb_path()
    return path.with_name(f"{path.stem}_snapshots")


def duckdb_config() -> dict[str, str]:
    """Settings of the loader's DuckDB connections: the memory cap of the duckdb profile (profiles.yml), beyond
    which DuckDB spills to disk (its default is 80 % of the machine)."""
    return {"memory_limit": os.environ.get("DUCKDB_MEMORY_LIMIT", "5GB")}


@dataclass(frozen=True)
class PostgresSettings:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    schema: str

    def dsn(self) -> str:
        parts = [f"host={self.host}", f"port={self.port}", f"user={self.user}", f"dbname={self.dbname}"]
        if self.password:
            parts.append(f"password={self.password}")
        return " ".join(parts)


def postgres_settings() -> PostgresSettings:
    env = os.environ.get
    return PostgresSettings(
        host=env("POSTGRES_HOST", "127.0.0.1"),
        port=int(env("POSTGRES_PORT", "5432")),
        user=env("POSTGRES_USER", "postgres"),
        password=env("POSTGRES_PASSWORD", ""),
        dbname=env("POSTGRES_DB", "postgres"),
        schema=env("POSTGRES_SCHEMA", "analytics"),
    )


@dataclass(frozen=True)
class SourceTable:
    """The collector table (`data`) and the loader's rejects table beside it."""

    schema: str
    table: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def rejects_qualified(self) -> str:
        return f"{self.schema}.{self.table}_rejects"


def source_table(schema: str | None = None, table: str | None = None) -> SourceTable:
    """The source table dbt reads: vars `source_schema` / `source_table`, overridable here."""
    defaults = project_vars()
    return SourceTable(
        schema=schema or defaults.get("source_schema") or "raw",
        table=table or defaults.get("source_table") or "data",
    )


def postgres_extension_path() -> str | None:
    """DuckDB's postgres extension as shipped in the pinned pip package (no download), if it is there."""
    try:
        import duckdb_extension_postgres_scanner as package
    except ImportError:
        return None
    found = sorted(Path(package.__file__).parent.glob("extensions/*/postgres_scanner.duckdb_extension"))
    return str(found[-1]) if found else None
