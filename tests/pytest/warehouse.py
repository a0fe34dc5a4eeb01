"""A loaded and built project on one engine, for end-to-end tests: load a file, run dbt, query tables."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import psycopg2
import yaml

from objectiv_dbt.load import load_file
from objectiv_dbt.settings import PROJECT_DIR, PostgresSettings, postgres_extension_path

DBT = Path(sys.executable).parent / "dbt"


@dataclass
class Warehouse:
    """One isolated build: its own DuckDB file, or its own PostgreSQL schemas in the test database."""

    engine: str
    workdir: Path
    postgres: PostgresSettings | None = None
    name: str = field(default_factory=lambda: f"e2e_{uuid.uuid4().hex[:8]}")

    @property
    def raw_schema(self) -> str:
        return f"{self.name}_raw"

    @property
    def models_schema(self) -> str:
        return "main" if self.engine == "duckdb" else self.name

    @property
    def duckdb_file(self) -> Path:
        return self.workdir / f"{self.name}.duckdb"

    @property
    def snapshot_dir(self) -> Path:
        """Where this warehouse's DuckDB build is published (objectiv_dbt/publish.py)."""
        return self.workdir / f"{self.name}_snapshots"

    def env(self) -> dict[str, str]:
        # SNAPSHOT_DIR too: `make test` exports the project's own
        env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "DO_NOT_TRACK": "1",
               "DUCKDB_PATH": str(self.duckdb_file), "SNAPSHOT_DIR": str(self.snapshot_dir)}
        if self.postgres:
            env.update(POSTGRES_HOST=self.postgres.host, POSTGRES_PORT=str(self.postgres.port),
                       POSTGRES_USER=self.postgres.user, POSTGRES_PASSWORD=self.postgres.password,
                       POSTGRES_DB=self.postgres.dbname, POSTGRES_SCHEMA=self.name)
        return env

    def load(self, path: Path):
        return load_file(path, target=self.engine, schema=self.raw_schema, duckdb_path=self.duckdb_file,
                         dsn=self.postgres.dsn() if self.postgres else None, progress=False)

    def dbt_command(self, *args: str, vars: dict | None = None, target: str | None = None) -> tuple[list[str], dict]:
        """The command line and environment of a dbt command against this warehouse."""
        target = target or self.engine
        all_vars = {"source_schema": self.raw_schema, **(vars or {})}
        command = [str(DBT), *args, "--target", target, "--vars", yaml.safe_dump(all_vars, default_flow_style=True),
                   "--log-path", str(self.workdir / "logs"), "--target-path", str(self.workdir / f"target_{target}")]
        env = self.env()
        if target == "postgres_python":
            env["DUCKDB_POSTGRES_EXTENSION"] = postgres_extension_path()
        return command, env

    def dbt(self, *args: str, vars: dict | None = None, target: str | None = None) -> str:
        """Runs a dbt command against this warehouse (on its engine's target, or `target`: postgres_python for
        Python models on PostgreSQL); fails the test with dbt's output if dbt fails."""
        target = target or self.engine
        command, env = self.dbt_command(*args, vars=vars, target=target)
        result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed on {target}:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
        return result.stdout

    def run_all(self, *args: str, vars: dict | None = None) -> None:
        """Builds every model and seed without testing; on PostgreSQL the Python models (and what follows
        them) by postgres_python."""
        build = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test", *args]
        if self.engine == "duckdb":
            self.dbt(*build, vars=vars)
            return
        self.dbt(*build, "--exclude", "path:python_models+", vars=vars)
        self.dbt(*build, "--select", "path:python_models+", vars=vars, target="postgres_python")

    def query(self, sql: str) -> pd.DataFrame:
        """Runs SQL; `{schema}` is replaced by the models' schema and `{raw}` by the raw schema."""
        sql = sql.format(schema=self.models_schema, raw=self.raw_schema)
        if self.engine == "duckdb":
            with duckdb.connect(str(self.duckdb_file), read_only=True) as connection:
                return connection.execute(sql).df()
        with psycopg2.connect(self.postgres.dsn()) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            frame = pd.DataFrame(cursor.fetchall(), columns=[c[0] for c in cursor.description])
        connection.close()
        return frame

    def execute(self, sql: str) -> None:
        """Runs a statement that changes data; `{schema}` and `{raw}` as in query."""
        sql = sql.format(schema=self.models_schema, raw=self.raw_schema)
        if self.engine == "duckdb":
            with duckdb.connect(str(self.duckdb_file)) as connection:
                connection.execute(sql)
            return
        with psycopg2.connect(self.postgres.dsn()) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
        connection.close()

    def drop(self) -> None:
        if self.engine == "postgres":
            with psycopg2.connect(self.postgres.dsn()) as connection, connection.cursor() as cursor:
                cursor.execute(f"drop schema if exists {self.raw_schema} cascade; drop schema if exists {self.name} cascade")
            connection.close()
