"""Deterministic generator of realistic Objectiv tracker events (newline-delimited JSON).

    python -m objectiv_dbt.generate --events N --seed S --out PATH [--format tracker|collector]
        [--start 2024-03-01] [--days 30] [--bad-share 0.003]

Same arguments give byte-identical output: everything random comes from one `random.Random(seed)`
(uuids too), never from the wall clock or `hash()`. The file has exactly N lines; a share of them
(`--bad-share`) are deliberately broken in the ways real collector data is (see BAD_KINDS).

How it works: users arrive over the period (more by day than by night, fewer at weekends), each with
a planned number of sessions and events per session, so the total is exactly N good events. A heap
of running sessions and of users waiting for their next session merges everyone's events into time
order; a session walks through an application (website, docs, shop) with page-specific actions.
Event lines are assembled from pre-serialized pieces (stacks, per-session global contexts) instead of
`json.dumps` per event, which keeps 1,000,000 events well under a minute. Only the per-user and
per-session state is kept in memory; lines are streamed.

The generator itself lives in the objectiv_dbt.generator package; this module is its command line
and the public entry point (write_events, generate_lines, empty_stats, BAD_KINDS).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from objectiv_dbt.generator.bad_lines import BAD_KINDS
from objectiv_dbt.generator.events import EventGenerator, empty_stats, generate_lines
from objectiv_dbt.generator.output import PROGRESS_LINES, summary, write_events
from objectiv_dbt.generator.parameters import DEFAULT_SEED, DEFAULT_START, FORMATS
from objectiv_dbt.generator.taxonomy import _uuid

__all__ = ["BAD_KINDS", "DEFAULT_SEED", "_uuid", "empty_stats", "generate_lines", "main", "summary", "write_events"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m objectiv_dbt.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, required=True, help="number of lines to write (bad lines included)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="random seed (default 42): same arguments, same bytes"
    )
    parser.add_argument("--out", required=True, help="output file; gzip-compressed if it ends in .gz")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="tracker",
        help="tracker: raw tracker events; collector: rows of the collector table",
    )
    parser.add_argument(
        "--start", type=date.fromisoformat, default=DEFAULT_START, help="first day, UTC (default 2024-03-01)"
    )
    parser.add_argument("--days", type=int, default=30, help="length of the period in days (default 30)")
    parser.add_argument(
        "--bad-share", type=float, default=0.003, help="share of deliberately broken lines (default 0.003)"
    )
    args = parser.parse_args(argv)
    try:
        EventGenerator(args.events, args.seed, args.format, args.start, args.days, args.bad_share)
    except ValueError as error:
        parser.error(str(error))
    progress = args.events >= 2 * PROGRESS_LINES
    stats = write_events(
        args.out, args.events, args.seed, args.format, args.start, args.days, args.bad_share, progress=progress
    )
    print(summary(args.out, stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
