"""Time units, defaults and the shares that tune what the generator produces."""

from __future__ import annotations

from datetime import date

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
SESSION_GAP_MS = 1_800_000  # a gap of exactly this stays in the session; one ms more starts a new one
DEFAULT_START = date(2024, 3, 1)
DEFAULT_SEED = 42  # the Makefile's SEED
FORMATS = ("tracker", "collector")
SESSION_ALLOWANCE_MS = 20 * 60_000  # room left for each session's own duration when placing a user's sessions
NIGHT_OWL_SHARE = 0.03  # users whose first session starts just before midnight UTC
LATE_SHARE = 0.005  # events written a few hundred lines after their place in time order
LATE_LINES = (150, 600)
