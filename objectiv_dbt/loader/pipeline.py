"""The three overlapping stages of a load: read (a thread), validate (the caller's thread), write (a thread)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from objectiv_dbt.loader.duckdb_target import DuckDBTarget
from objectiv_dbt.loader.postgres_target import PostgresTarget
from objectiv_dbt.loader.progress import Progress
from objectiv_dbt.loader.reading import prefetch, read_batches
from objectiv_dbt.loader.report import NOT_JSON, LoadReport
from objectiv_dbt.loader.validate import Checked, checked_table, validate

# The writer commits once it has at least a DuckDB row group of rows (122,880): DuckDB then writes them
# compressed straight to the database file, instead of into the write-ahead log and again at a checkpoint.
_WRITE_ROWS = 122_880


def run(
    source: Path, size: int, sink: DuckDBTarget | PostgresTarget, report: LoadReport, batch_lines: int, progress: bool
) -> None:
    """Load `source` (`size` bytes on disk) into `sink`, counting into `report`; the caller closes the sink.

    A thread reads and decodes batch k+2, this thread validates batch k+1 in DuckDB while another thread
    writes batch k to the target (DuckDB releases the GIL while it works).
    """
    file = report.file
    bar = Progress(size, f"loading {source.name}", progress)
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="objectiv-load-writer")
    pending: tuple[Future, list[Checked]] | None = None  # the group being written
    group: list[Checked] = []  # validated, not yet handed to the writer

    def finish_pending() -> None:
        nonlocal pending
        if pending is None:
            return
        future, batches = pending
        pending = None
        inserted = future.result()
        for batch in batches:
            sink.validator.execute(f"drop table {batch.table}")
        refused = sum(batch.refused for batch in batches)  # rejected by the target while writing
        if refused:
            report.rejected += refused
            report.rejects_by_kind[NOT_JSON] = report.rejects_by_kind.get(NOT_JSON, 0) + refused
        report.inserted += inserted
        report.already_loaded += sum(batch.good for batch in batches) - inserted
        report.lines_read += sum(batch.lines for batch in batches)

    def hand_over() -> None:
        nonlocal pending, group
        finish_pending()  # the previous group's write ran while this group was validated
        at = datetime.now(timezone.utc).replace(tzinfo=None)
        pending = (writer.submit(sink.write, group, file, at), group)
        group = []

    try:
        validated = 0
        for number, batch in enumerate(prefetch(read_batches(source, batch_lines))):
            count = len(batch.frame)
            table = checked_table(number)
            good, kinds = validate(sink.validator, batch, table)
            rejected = sum(kinds.values())
            report.rejected += rejected
            for kind, n in kinds.items():
                report.rejects_by_kind[kind] = report.rejects_by_kind.get(kind, 0) + n
            group.append(Checked(table, batch.first_line, batch.first_line + count - 1, batch.position, good, rejected))
            report.bytes_read = batch.position
            validated += count
            bar.update(batch.position, validated)
            del batch
            if sum(checked.lines for checked in group) >= _WRITE_ROWS or len(group) >= 16:
                hand_over()
        if group:
            hand_over()
        finish_pending()
        bar.update(size, report.lines_read, final=True)
    finally:
        if pending is not None:
            pending[0].cancel()
            try:
                pending[0].result()
            except BaseException:
                pass
        writer.shutdown(wait=True)
