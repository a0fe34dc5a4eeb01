"""Writing the lines to a file, gzip-compressed in a child process for a .gz path."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO

from objectiv_dbt.generator.events import generate_lines
from objectiv_dbt.generator.parameters import DEFAULT_START

CHUNK_LINES = 2000
PROGRESS_LINES = 100_000


# Compression runs in a second process (the machine has two cores): a thread would fight the
# generator for the GIL. mtime=0 and no file name in the header keep the bytes identical across runs.
# Level 3 takes less than half the CPU of level 6 (7 s instead of 16 s for 1M events) for a file
# about a third larger (125 MB instead of 91 MB).
GZIP_LEVEL = 3
GZIP_WORKER = """
import gzip, shutil, sys
with open(sys.argv[1], "wb") as raw:
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=int(sys.argv[2]), mtime=0) as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
"""


@contextmanager
def _output(path: Path) -> Iterator[IO[bytes]]:
    """The file to write the lines to; for a .gz path, the input of a compressing child process."""
    if path.suffix != ".gz":
        with open(path, "wb") as handle:
            yield handle
        return
    worker = subprocess.Popen([sys.executable, "-c", GZIP_WORKER, str(path), str(GZIP_LEVEL)], stdin=subprocess.PIPE)
    try:
        yield worker.stdin
    finally:
        worker.stdin.close()
        code = worker.wait()
    if code:
        raise RuntimeError(f"gzip worker for {path} failed with exit code {code}")


def write_events(
    path: str | Path,
    events: int,
    seed: int,
    fmt: str = "tracker",
    start: date = DEFAULT_START,
    days: int = 30,
    bad_share: float = 0.003,
    progress: bool = False,
) -> dict:
    """Write the lines of generate_lines() to `path` (gzip if it ends in .gz); return the stats.

    With progress=True, prints a line to stderr every 100,000 lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stats: dict = {}
    began = time.perf_counter()
    lines = generate_lines(events, seed, fmt, start, days, bad_share, stats)  # checks the arguments
    with _output(path) as handle:
        chunk: list[str] = []
        for number, line in enumerate(lines, 1):
            chunk.append(line)
            if len(chunk) == CHUNK_LINES:
                handle.write(("\n".join(chunk) + "\n").encode())
                chunk = []
            if progress and number % PROGRESS_LINES == 0:
                print(f"  {number:,} / {events:,} lines ({time.perf_counter() - began:.1f} s)", file=sys.stderr)
        if chunk:
            handle.write(("\n".join(chunk) + "\n").encode())
    stats["seconds"] = round(time.perf_counter() - began, 2)
    return stats


def summary(path: str | Path, stats: dict) -> str:
    bad = ", ".join(f"{kind} {count}" for kind, count in stats["bad"].items())
    return (
        f"wrote {stats['lines']:,} lines to {path} in {stats['seconds']:.1f} s: {stats['events']:,} events of "
        f"{stats['users']:,} users in {stats['sessions']:,} sessions ({stats['late']:,} written late, "
        f"{stats['legacy_events']:,} in the older taxonomy, {stats['conversions']:,} GitHub conversions, "
        f"{stats['orders']:,} orders); {sum(stats['bad'].values()):,} bad lines: {bad}"
    )
