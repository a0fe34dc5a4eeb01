"""Headless Chromium (the Debian package `chromium`) for the report tests: a page's DOM after its scripts ran,
the console messages it logged, a screenshot, of a file or a URL of a local server. Every request to another host
than 127.0.0.1 fails (host resolver rule), so a page that needs the network logs an error."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--virtual-time-budget=15000"]
CONSOLE_LINE = re.compile(r":CONSOLE(?::\d+)?\] (.*)$")
# what a drawn plotly chart holds: its SVG and, inside, the group of at least one trace
TRACE_MARKERS = ('class="trace', 'class="hm"', 'class="sankey"')


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True)
class PageLoad:
    dom: str
    console: list[str]


def _run(page: Path | str, *arguments: str, size: tuple[int, int]) -> subprocess.CompletedProcess:
    address = page if isinstance(page, str) else page.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
                   "--enable-logging=stderr", "--v=0", *arguments, address]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                env={**os.environ, "HOME": profile})
    if result.returncode != 0:
        raise AssertionError(f"chromium failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def load(page: Path | str, size: tuple[int, int] = (1400, 1000)) -> PageLoad:
    """The DOM once the page's scripts ran, and every console message (Chromium logs them all at one level)."""
    result = _run(page, "--dump-dom", size=size)
    console = [match.group(1) for line in result.stderr.splitlines() if (match := CONSOLE_LINE.search(line))]
    return PageLoad(result.stdout, console)


def screenshot(page: Path | str, out: Path, size: tuple[int, int]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(page, f"--screenshot={out.resolve()}", size=size)


def sections(dom: str) -> dict[str, str]:
    """id -> the HTML of each <section> of the report."""
    found = {}
    for part in dom.split("<section")[1:]:
        key = re.match(r'[^>]*\bid="([^"]+)"', part)
        if key:
            found[key.group(1)] = part.split("</section>")[0]
    return found


def is_drawn(section: str) -> bool:
    """A plotly chart drew: its div holds an svg.main-svg and a trace group."""
    return 'class="main-svg"' in section and any(marker in section for marker in TRACE_MARKERS)
