"""`make bench [N=1000000]`: generate N events, load them and build every layer from scratch on DuckDB and
PostgreSQL, then append 0.1 % new events (the next lines of the same generated stream) and build every layer
incrementally, then append 0.1 % more and run one `dbt run` (what a scheduled job runs); then measure dbt's fixed cost (every model on 1,000 events, run again with nothing new); time each
step and its peak memory, and write the table to docs/benchmarks.md with the machine description.

Every step runs as its own process, so its wall time and peak resident memory (wait4's ru_maxrss) are its own.
A dbt step also reports dbt's own execution time (its "Finished running" line): the wall time minus dbt's
start-up (reading the project), which is the same whatever the data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import psycopg2

from objectiv_dbt.settings import PROJECT_DIR, postgres_extension_path, postgres_settings

BIN = Path(sys.executable).parent
CORE_MARTS = ["events", "sessions", "users"]  # per-event, per-session, per-user; some intermediate models read events
LAYERS = {  # dbt node selections, in build order
    "staging": ["--select", "staging"],
    "intermediate and core marts": ["--select", "intermediate", *CORE_MARTS],
    "marts": ["--select", "marts", "ml", "kpi_definitions", "--exclude", "path:python_models+", *CORE_MARTS],
    "Python models": ["--select", "path:python_models+"],
}


APPENDED_SHARE = 0.001
SMALL_EVENTS = 1_000
FIXED_COST_STEP = "small: incremental build, nothing new"
SCHEDULED_STEP = "incremental dbt run"
DBT_FINISHED = re.compile(r"Finished running .* \((\d+(?:\.\d+)?)s\)")


@dataclass
class Step:
    target: str
    name: str
    seconds: float
    peak_mb: float
    dbt_seconds: float | None = None
    model_seconds: dict[str, float] = field(default_factory=dict)  # each model's own time, from run_results.json


@dataclass
class Run:
    seconds: float
    peak_mb: float
    output: str


def run(command: list[str], env: dict[str, str]) -> Run:
    """Runs a command to completion (failing loudly): its wall seconds, peak RSS in MB and output."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # wait4: this process's own peak memory
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        log.seek(0)
        output = log.read()
        if process.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{output[-4000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, output)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal")))
    return f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB memory, Python {platform.python_version()}"


def prepare(target: str, workdir: Path, name: str) -> dict[str, str]:
    """An empty warehouse for the benchmark: a new DuckDB file, or fresh schemas in PostgreSQL (`name` for the
    models, `name`_raw for the collector table)."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "DO_NOT_TRACK": "1",
           "DUCKDB_POSTGRES_EXTENSION": os.environ.get("DUCKDB_POSTGRES_EXTENSION") or postgres_extension_path() or ""}
    if target == "duckdb":
        database = workdir / f"{name}.duckdb"
        for leftover in (database, Path(f"{database}.wal")):
            leftover.unlink(missing_ok=True)
        env["DUCKDB_PATH"] = str(database)
    else:
        env["POSTGRES_SCHEMA"] = name
        with psycopg2.connect(postgres_settings().dsn()) as connection, connection.cursor() as cursor:
            cursor.execute(f"drop schema if exists {name} cascade; drop schema if exists {name}_raw cascade")
        connection.close()
    return env


def model_seconds(env: dict[str, str]) -> dict[str, float]:
    """Each node's own execution time in the dbt step that just ended (its target/run_results.json)."""
    results = Path(env.get("DBT_TARGET_PATH", PROJECT_DIR / "target")) / "run_results.json"
    return {result["unique_id"].split(".")[-1]: result["execution_time"]
            for result in json.loads(results.read_text())["results"]}


def bench_target(target: str, files: dict[str, Path], workdir: Path) -> list[Step]:
    steps = []

    def step(name: str, command: list[str], env: dict[str, str]) -> None:
        result = run(command, env)
        finished = DBT_FINISHED.search(result.output)
        steps.append(Step(target, name, result.seconds, result.peak_mb, float(finished.group(1)) if finished else None,
                          model_seconds(env) if finished else {}))
        dbt_time = f"{steps[-1].dbt_seconds:8.1f} s in dbt" if finished else ""
        print(f"  {target:<9} {name:<48} {result.seconds:8.1f} s {dbt_time:>16} {result.peak_mb:8.0f} MB", flush=True)

    def load(path: Path, warehouse: str, env: dict[str, str]) -> None:
        step(f"load {path.name}", [str(BIN / "python"), "-m", "objectiv_dbt.load", str(path), "--target", target,
                                   "--schema", f"{warehouse}_raw", "--no-progress"], env)

    def build(name: str, build_flags: list[str], warehouse: str, env: dict[str, str]) -> None:
        for layer, selection in LAYERS.items():
            dbt_target = "postgres_python" if target == "postgres" and layer == "Python models" else target
            step(f"{name} {layer}", [str(BIN / "dbt"), "build", "--exclude-resource-type", "test",
                                     "--exclude-resource-type", "unit_test", "--target", dbt_target, *selection,
                                     *build_flags, "--vars", f"{{source_schema: {warehouse}_raw}}"], env)

    def scheduled_run(warehouse: str, env: dict[str, str]) -> None:
        """`dbt run` as a scheduled job runs it: one process (two on PostgreSQL: the Python models by DuckDB)."""
        flags = ["--vars", f"{{source_schema: {warehouse}_raw}}"]
        if target == "duckdb":
            step(SCHEDULED_STEP, [str(BIN / "dbt"), "run", "--target", target, *flags], env)
            return
        step(SCHEDULED_STEP, [str(BIN / "dbt"), "run", "--target", target, "--exclude", "path:python_models+", *flags], env)
        step(f"{SCHEDULED_STEP} Python models", [str(BIN / "dbt"), "run", "--target", "postgres_python",
                                                  "--select", "path:python_models+", *flags], env)

    env = prepare(target, workdir, "bench")
    for kind, build_flags in (("full", ["--full-refresh"]), ("incremental", [])):
        load(files[kind], "bench", env)
        build(f"{kind} build", build_flags, "bench", env)
    load(files["scheduled"], "bench", env)
    scheduled_run("bench", env)
    # what dbt itself costs, whatever the data: every model on a tiny warehouse, then a run with nothing new
    env = prepare(target, workdir, "bench_small")
    load(files["small"], "bench_small", env)
    build("small: full build", ["--full-refresh"], "bench_small", env)
    build(FIXED_COST_STEP, [], "bench_small", env)
    return steps


def steps_of(steps: list[Step], target: str, kind: str) -> list[Step]:
    """The steps of one target whose name starts with `kind` (a build: one step per layer)."""
    return [step for step in steps if step.target == target and step.name.startswith(kind)]


def totals(steps: list[Step]) -> list[str]:
    """Per target: the full and the incremental build of every model, wall and dbt time, their ratio, dbt's
    fixed cost (the incremental build of the small warehouse with nothing new), the incremental build's
    data-dependent part (its dbt time minus that fixed cost) and the scheduled `dbt run`."""
    lines = []
    for target in dict.fromkeys(step.target for step in steps):
        sums = {}
        for kind in ("full build", "incremental build", FIXED_COST_STEP, SCHEDULED_STEP):
            builds = steps_of(steps, target, kind)
            sums[kind] = (sum(step.seconds for step in builds), sum(step.dbt_seconds or 0 for step in builds))
        (full_wall, full_dbt), (incremental_wall, incremental_dbt), (_, fixed_dbt), (run_wall, run_dbt) = sums.values()
        lines.append(f"| {target} | {full_wall:.1f} | {full_dbt:.1f} | {incremental_wall:.1f} | {incremental_dbt:.1f} "
                     f"| {100 * incremental_dbt / full_dbt:.1f} % | {fixed_dbt:.1f} ({100 * fixed_dbt / full_dbt:.1f} %) "
                     f"| {incremental_dbt - fixed_dbt:.1f} | {run_wall:.1f} | {run_dbt:.1f} "
                     f"({100 * run_dbt / full_dbt:.1f} %) |")
    return lines


def slowest_incremental_models(steps: list[Step], count: int = 10) -> list[str]:
    """Per target, the models the incremental build spends most on, beside their time in the full build and with
    nothing new: where incremental work is still owed."""
    lines = []
    for target in dict.fromkeys(step.target for step in steps):
        def times(kind: str) -> dict[str, float]:
            return {model: seconds for step in steps_of(steps, target, kind) for model, seconds in step.model_seconds.items()}
        full, incremental, fixed = times("full build"), times("incremental build"), times(FIXED_COST_STEP)
        for model, seconds in sorted(incremental.items(), key=lambda item: -item[1])[:count]:
            lines.append(f"| {target} | {model} | {full.get(model, 0):.2f} | {seconds:.2f} | {fixed.get(model, 0):.2f} |")
    return lines


def write_report(path: Path, events: int, appended: int, steps: list[Step]) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"`make bench N={events}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: {machine()}.",
        f"{events:,} generated events are loaded and built from scratch (`--full-refresh`), then {appended:,} more",
        "(0.1 %, the next lines of the same generated stream: new and returning users, some late) are loaded and",
        "built incrementally. Each step is its own process: wall time, dbt's own execution time (wall time minus",
        "dbt's start-up, which does not depend on the data) and peak resident memory. Builds are `dbt build`",
        "without tests (models and seeds), one process per layer. Then 0.1 % more are loaded and one `dbt run`",
        "runs every model, as a scheduled job does (on PostgreSQL a second one runs the Python models).",
        f"The `small:` steps build a warehouse of the first {SMALL_EVENTS:,} events, then run again with nothing new:",
        "what dbt itself spends on every model (rendering, metadata queries, table swaps) whatever the data, which no",
        "incremental logic can remove.",
        "",
        "| target | step | wall seconds | dbt seconds | peak memory (MB) |",
        "|---|---|---:|---:|---:|",
        *(f"| {s.target} | {s.name} | {s.seconds:.1f} | {'' if s.dbt_seconds is None else f'{s.dbt_seconds:.1f}'} "
          f"| {s.peak_mb:.0f} |" for s in steps),
        "",
        "Every model, all layers together:",
        "",
        "| target | full build, wall s | full build, dbt s | incremental, wall s | incremental, dbt s "
        "| incremental / full (dbt s) | dbt's fixed cost, dbt s (of full) | incremental minus fixed cost, dbt s "
        "| scheduled `dbt run`, wall s | scheduled `dbt run`, dbt s (of full) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *totals(steps),
        "",
        "The models the incremental build spends most on (each model's own time in dbt's run_results.json):",
        "",
        "| target | model | full build, s | incremental build, s | small warehouse, nothing new, s |",
        "|---|---|---:|---:|---:|",
        *slowest_incremental_models(steps),
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def event_files(events: int, seed: int, workdir: Path) -> dict[str, Path]:
    """The first `events` lines of a generated stream, the 0.1 % lines that follow them (twice: for the
    incremental build, then for the scheduled run), and its first SMALL_EVENTS lines."""
    appended = max(1, round(events * APPENDED_SHARE))
    files = {"full": workdir / f"bench_{events}_{seed}.ndjson", "incremental": workdir / f"bench_{events}_{seed}_next.ndjson",
             "scheduled": workdir / f"bench_{events}_{seed}_next_2.ndjson"}
    small = workdir / f"bench_{events}_{seed}_first_{SMALL_EVENTS}.ndjson"
    if all(path.exists() for path in files.values()):
        if not small.exists():
            with files["full"].open() as lines:
                small.write_text("".join(line for _, line in zip(range(SMALL_EVENTS), lines)))
        return {**files, "small": small}
    stream = workdir / f"bench_{events}_{seed}_stream.ndjson"
    print(f"generating {events + 2 * appended:,} events into {stream}", flush=True)
    run([str(BIN / "python"), "-m", "objectiv_dbt.generate", "--events", str(events + 2 * appended),
         "--seed", str(seed), "--out", str(stream)], dict(os.environ))
    with stream.open() as lines, files["full"].open("w") as first, files["incremental"].open("w") as next_1, \
            files["scheduled"].open("w") as next_2:
        for number, line in enumerate(lines):
            (first if number < events else next_1 if number < events + appended else next_2).write(line)
    stream.unlink()
    return event_files(events, seed, workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--targets", default="duckdb,postgres")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "docs" / "benchmarks.md")
    arguments = parser.parse_args()
    workdir = PROJECT_DIR / "data"
    workdir.mkdir(exist_ok=True)
    files = event_files(arguments.events, arguments.seed, workdir)
    steps = [step for target in arguments.targets.split(",") for step in bench_target(target, files, workdir)]
    appended = max(1, round(arguments.events * APPENDED_SHARE))
    write_report(arguments.out, arguments.events, appended, steps)
    print(f"wrote {arguments.out}")


if __name__ == "__main__":
    main()
