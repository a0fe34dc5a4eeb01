"""The progress bar on stderr."""

from __future__ import annotations

import sys
import time


class Progress:
    """A one-line progress bar on stderr: % of the file's bytes read, lines/s, ETA."""

    def __init__(self, total_bytes: int, label: str, enabled: bool):
        self.total = max(total_bytes, 1)
        self.label = label
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = 0

    def update(self, position: int, lines: int, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and self.tty and now - self.last < 0.2:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        fraction = min(position / self.total, 1.0)
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
        width = 24
        filled = int(round(fraction * width))
        bar = "#" * filled + "-" * (width - filled)
        eta_text = "--" if eta != eta else f"{eta:,.0f}s"
        line = (
            f"{self.label} [{bar}] {fraction * 100:5.1f}%  {lines:,} lines  "
            f"{lines / elapsed:,.0f} lines/s  ETA {eta_text}"
        )
        if self.tty:
            padding = " " * max(0, self.shown - len(line))  # wipe the rest of a longer previous line
            self.shown = len(line)
            sys.stderr.write("\r" + line + padding + ("\n" if final else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
