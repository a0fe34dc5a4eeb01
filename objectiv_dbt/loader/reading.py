"""Reading the file in batches of lines (plain or gzip), decoded, one batch ahead in a thread."""

from __future__ import annotations

import gzip
import io
import itertools
import queue
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from objectiv_dbt.loader.report import NOT_JSON, LoadError


@dataclass
class Batch:
    first_line: int  # line number of the first line (1-based)
    frame: pd.DataFrame  # line_number BIGINT, line VARCHAR
    bad_utf8: dict[int, str]  # line_number -> reason, for lines that are not UTF-8
    position: int  # bytes of the (compressed) file read so far


def _open(path: Path):
    """(binary line reader, raw file whose tell() is the progress) for a plain or gzip file."""
    raw = open(path, "rb", buffering=1 << 20)
    if path.name.endswith(".gz"):
        return io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), 1 << 20), raw
    return raw, raw


def _decode(lines: list[bytes], first_line: int) -> tuple[list[str], dict[int, str]]:
    try:
        text = [line.decode() for line in lines]
        bad: dict[int, str] = {}
    except UnicodeDecodeError:
        text, bad = [], {}
        for number, line in enumerate(lines, first_line):
            try:
                text.append(line.decode())
            except UnicodeDecodeError as error:
                text.append(line.decode(errors="replace"))
                bad[number] = f"{NOT_JSON}: invalid UTF-8 (byte 0x{line[error.start]:02x} at column {error.start + 1})"
    # Strip the line end ("\n" or "\r\n"); other whitespace is JSON's business.
    return [line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line for line in text], bad


def read_batches(path: Path, batch_lines: int) -> Iterator[Batch]:
    reader, raw = _open(path)
    with raw, reader:
        first = 1
        while True:
            try:
                lines = list(itertools.islice(reader, batch_lines))
            except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
                raise LoadError(f"cannot read {path}: {error}") from None
            if not lines:
                return
            text, bad = _decode(lines, first)
            del lines
            frame = pd.DataFrame(
                {"line_number": np.arange(first, first + len(text), dtype=np.int64), "line": text}
            )
            yield Batch(first, frame, bad, raw.tell())
            first += len(text)


def prefetch(batches: Iterator[Batch]) -> Iterator[Batch]:
    """Read (and decompress) the next batch in a thread while DuckDB works on this one; one batch ahead."""
    slot: queue.Queue = queue.Queue(maxsize=1)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        slot.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slot.put(done)
        except BaseException as error:  # handed to the consumer
            slot.put(error)

    thread = threading.Thread(target=produce, name="objectiv-load-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = slot.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
