"""Deliberately broken lines, made from the latest good event the way real collector data breaks."""

from __future__ import annotations

import json
import random
from collections import deque

from objectiv_dbt.generator.taxonomy import _uuid

BAD_KINDS = (
    "not_json",  # a truncated line
    "not_object",  # valid JSON, but not an object
    "missing_time",  # tracker: no `time`; collector: no `moment`
    "garbled_time",  # `time` (collector: `moment`) is a string like "yesterday"
    "missing_cookie",  # tracker: no CookieIdContext; collector: no `cookie_id`
    "cookie_not_uuid",
    "event_id_not_uuid",
    "duplicate_event_id",  # an earlier line's event id, with different content
    # these load fine; the dbt models must quarantine them
    "missing_type",  # no `_type`
    "empty_location_stack",
    "location_stack_not_array",
)
NOT_OBJECTS = ("[1, 2, 3]", '"PressEvent"', "42", "null", "true", '[{"_type": "PressEvent"}]')
GARBLED_TIMES = ("yesterday", "2024-13-45T25:61:00", "", "NaN")
NOT_UUIDS = ("not-a-uuid", "12345", "cookie-0000", "ffffffff-ffff-ffff-ffff")


def bad_line(
    rng: random.Random, collector: bool, kind: str, last: tuple[int, str, str], written_ids: deque[str]
) -> str:
    """A broken variant of the latest good event (so it sits at a plausible time and user)."""
    _, line, last_id = last
    if kind == "not_json":
        return line[: len(line) // 2]
    if kind == "not_object":
        return NOT_OBJECTS[int(rng.random() * len(NOT_OBJECTS))]
    row = json.loads(line)
    event = row["value"] if collector else row
    event_id = _uuid(rng)
    if kind == "duplicate_event_id":
        earlier = [value for value in written_ids if value != last_id]
        if earlier:
            event_id = earlier[int(rng.random() * len(earlier))]
        else:  # only the latest event was written: same id, so change the content
            event_id = last_id
            event["time"] += 1
    elif kind == "event_id_not_uuid":
        event_id = "evt-" + str(rng.randint(1, 10**9))
    event["id"] = event_id
    if collector:
        row["event_id"] = event_id
    break_event(rng, collector, kind, row, event)
    return json.dumps(row)

def break_event(rng: random.Random, collector: bool, kind: str, row: dict, event: dict) -> None:
    time_key = "moment" if collector else "time"
    if kind == "missing_time":
        del row[time_key]
    elif kind == "garbled_time":
        row[time_key] = GARBLED_TIMES[int(rng.random() * len(GARBLED_TIMES))]
    elif kind == "missing_cookie":
        if collector:
            del row["cookie_id"]
        else:
            event["global_contexts"] = [c for c in event["global_contexts"] if c.get("_type") != "CookieIdContext"]
    elif kind == "cookie_not_uuid":
        value = NOT_UUIDS[int(rng.random() * len(NOT_UUIDS))]
        for context in event["global_contexts"]:
            if context.get("_type") == "CookieIdContext":
                context["id"] = context["cookie_id"] = value
        if collector:
            row["cookie_id"] = value
    elif kind == "missing_type":
        del event["_type"]
    elif kind == "empty_location_stack":
        event["location_stack"] = []
    elif kind == "location_stack_not_array":
        stack = event["location_stack"]
        event["location_stack"] = stack[0] if rng.random() < 0.5 else json.dumps(stack)
