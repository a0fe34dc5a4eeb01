"""A bounded load run against the analytics API, optionally while a command (a build) runs:

    KPI_API_KEY=<key> python -m objectiv_dbt.service.loadtest --url http://127.0.0.1:8000 \\
        --path '/analytics/kpis/values/?start_timestamp=1704067200&end_timestamp=1735689600' \\
        --concurrency 20 --requests 2000 [--during 'make build'] [--max-seconds 300]

Without --during: exactly --requests requests. With it: the command starts with the requests, which go on
until it has exited and --tail more have been answered (so both snapshots are seen), at most --requests
and --max-seconds in all. Prints requests per second, p50/p90/p99/max latency, errors and the snapshots seen
(X-Snapshot). A `{i}` in a path is replaced by the request's number: distinct requests, no kept answer.
Loopback use only: it is a measuring tool, not a stress tool.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from objectiv_dbt.service.app import SNAPSHOT_HEADER


def canonical(value: object) -> object:
    """JSON with every number a float: answers compare equal whichever side wrote 5 or 5.0."""
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def fingerprint(answer: object) -> str:
    """The same for equal JSON answers, whatever their key order or number spelling."""
    return hashlib.sha256(json.dumps(canonical(answer), sort_keys=True).encode()).hexdigest()


def body_fingerprint(body: bytes) -> str:
    """Of the bytes the service sent: cheap, so the measuring client spends little CPU (answer_json makes them)."""
    return hashlib.sha256(body).hexdigest()


@dataclass
class Outcome:
    path: str
    status: int | None  # None: no HTTP answer (connection error, timeout)
    seconds: float
    fingerprint: str | None = None
    snapshot: str | None = None
    error: str | None = None


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0
    command_seconds: float | None = None
    command_returncode: int | None = None

    @property
    def errors(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status != 200]

    def percentile(self, share: float) -> float:
        latencies = sorted(outcome.seconds for outcome in self.outcomes)
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else 0.0

    def summary(self) -> str:
        count = len(self.outcomes)
        snapshots = list(dict.fromkeys(o.snapshot for o in self.outcomes if o.snapshot))
        lines = [
            f"requests {count} in {self.elapsed:.1f} s: {count / self.elapsed if self.elapsed else 0:.0f} requests/s, "
            f"errors {len(self.errors)}",
            f"latency p50 {self.percentile(0.5) * 1000:.1f} ms, p90 {self.percentile(0.9) * 1000:.1f} ms, "
            f"p99 {self.percentile(0.99) * 1000:.1f} ms, max {self.percentile(1.0) * 1000:.1f} ms"
            + (f", mean {statistics.mean(o.seconds for o in self.outcomes) * 1000:.1f} ms" if count else ""),
            f"snapshots answered from: {', '.join(snapshots) or 'none (PostgreSQL)'}",
        ]
        if self.command_seconds is not None:
            lines.append(f"command: exit {self.command_returncode} after {self.command_seconds:.1f} s")
        if self.errors:
            first = self.errors[0]
            lines.append(f"first error: status {first.status} {first.error or ''}".strip())
        return "\n".join(lines)


def _request(client: httpx.Client, path: str) -> Outcome:
    began = time.perf_counter()
    try:
        response = client.get(path)
    except httpx.HTTPError as error:
        return Outcome(path, None, time.perf_counter() - began, error=f"{type(error).__name__}: {error}")
    seconds = time.perf_counter() - began
    if response.status_code != 200:
        return Outcome(path, response.status_code, seconds, error=response.text[:300])
    return Outcome(path, 200, seconds, body_fingerprint(response.content), response.headers.get(SNAPSHOT_HEADER))


def run_load(url: str, key: str, paths: list[str], concurrency: int = 20, requests: int = 2000,
             max_seconds: float = 300.0, during: list[str] | None = None, tail: int = 200,
             rate: float | None = None, command_env: dict[str, str] | None = None,
             command_cwd: str | None = None, command_log: str | None = None) -> LoadResult:
    """Requests cycling through paths from `concurrency` threads, at most `rate` per second if given (see the
    module docstring for when it stops)."""
    result = LoadResult()
    lock = threading.Lock()
    state = {"issued": 0, "after_command": 0}
    output = open(command_log or os.devnull, "w")
    command = subprocess.Popen(during, env=command_env, cwd=command_cwd, stdout=output,
                               stderr=subprocess.STDOUT) if during else None
    began = time.perf_counter()
    deadline = began + max_seconds

    def next_path() -> str | None:
        with lock:
            finished = command is None or command.poll() is not None
            if state["issued"] >= requests or time.perf_counter() > deadline:
                return None
            if command is not None and finished:
                if state["after_command"] >= tail:
                    return None
                state["after_command"] += 1
            state["issued"] += 1
            issued = state["issued"]
        if rate:
            time.sleep(max(0.0, began + issued / rate - time.perf_counter()))
        return paths[issued % len(paths)].format(i=issued)

    def worker() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30.0) as client:
            while (path := next_path()) is not None:
                outcome = _request(client, path)
                with lock:
                    result.outcomes.append(outcome)

    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()
    result.elapsed = time.perf_counter() - began
    if command is not None:
        try:
            result.command_returncode = command.wait(timeout=max(1.0, deadline - time.perf_counter()))
        except subprocess.TimeoutExpired:
            command.kill()
            result.command_returncode = command.wait()
        result.command_seconds = time.perf_counter() - began
    output.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m objectiv_dbt.service.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--path", action="append", help="request path with query (repeat: cycled); {i} is "
                        "replaced by the request's number, e.g. end_timestamp=1735689600.{i:06d} makes every request "
                        "distinct (the service keeps answers per snapshot); default: KPI values over the last 365 days")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="at most this many requests")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="and at most this long")
    parser.add_argument("--during", help="a shell command run meanwhile, e.g. 'make build'")
    parser.add_argument("--tail", type=int, default=200, help="with --during: requests after it exits")
    parser.add_argument("--rate", type=float, help="at most this many requests per second (default: as fast as answered)")
    arguments = parser.parse_args(argv)
    key = os.environ.get("KPI_API_KEY")
    if not key:
        parser.error("set KPI_API_KEY to a key of role manager or root (make api-key ROLE=manager NAME=loadtest)")
    now = time.time()
    paths = arguments.path or [f"/analytics/kpis/values/?start_timestamp={now - 365 * 86400:.0f}&end_timestamp={now:.0f}"]
    result = run_load(arguments.url, key, paths, arguments.concurrency, arguments.requests, arguments.max_seconds,
                      ["bash", "-c", arguments.during] if arguments.during else None, arguments.tail, arguments.rate)
    print(result.summary())
    return 1 if result.errors or result.command_returncode else 0


if __name__ == "__main__":
    sys.exit(main())
