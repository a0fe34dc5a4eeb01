"""What a load reports: the counts, their invariant, the printed table; and the error that stops a load."""

from __future__ import annotations

from dataclasses import dataclass, field

# Kinds of rejection, counted in the report. A reason starts with its kind ("invalid id: ...", "not JSON: ..."),
# except an identical duplicate's: "duplicate event_id, identical line (first at line N)".
NOT_JSON = "not JSON"
DUPLICATE = "duplicate event_id"
DUPLICATE_IDENTICAL = "duplicate event_id (identical)"


class LoadError(Exception):
    """A problem that stops the whole load (missing file, unreachable database): one line for the user."""


@dataclass
class LoadReport:
    file: str
    target: str
    table: str
    lines_read: int = 0
    inserted: int = 0
    already_loaded: int = 0
    rejected: int = 0
    rejects_by_kind: dict[str, int] = field(default_factory=dict)
    bytes_read: int = 0
    seconds: float = 0.0

    def check(self) -> None:
        """The invariant every load keeps (raised, not `assert`ed, so that python -O checks it too)."""
        total = self.inserted + self.already_loaded + self.rejected
        if total != self.lines_read or sum(self.rejects_by_kind.values()) != self.rejected:
            raise AssertionError(
                f"inserted {self.inserted} + already loaded {self.already_loaded} + rejected {self.rejected}"
                f" = {total} != lines read {self.lines_read} (or rejects by kind {self.rejects_by_kind} do not add up)"
            )

    def format(self) -> str:
        rate = self.lines_read / self.seconds if self.seconds > 0 else 0.0
        kinds = sorted(self.rejects_by_kind.items(), key=lambda item: (-item[1], item[0]))
        label = max([16] + [len(kind) + 4 for kind, _ in kinds]) + 2

        def row(name: str, value: str) -> str:
            return f"  {name:<{label}}{value:>12}"

        rows = [
            f"loaded {self.file} into {self.target} {self.table}",
            row("lines read", f"{self.lines_read:,}"),
            row("inserted", f"{self.inserted:,}"),
            row("already loaded", f"{self.already_loaded:,}"),
            row("rejected", f"{self.rejected:,}"),
            *(row(f"  {kind}", f"{count:,}") for kind, count in kinds),
            row("seconds", f"{self.seconds:.1f}") + f"  ({rate:,.0f} lines/s)",
            f"  inserted + already loaded + rejected = {self.inserted:,} + {self.already_loaded:,}"
            f" + {self.rejected:,} = {self.inserted + self.already_loaded + self.rejected:,} = lines read",
        ]
        return "\n".join(rows)
