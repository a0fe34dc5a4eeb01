"""An independent implementation of model-hub-semantics in plain Python/pandas.

The end-to-end and parity tests compute every expected value here, straight from the NDJSON file the
generator wrote, and compare it with what the dbt models built. Nothing here imports project code.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import yaml

EPOCH = datetime(1970, 1, 1)
# the conversion definitions the build uses (dbt_project.yml var conversions, e.g. github_press: a PressEvent
# whose location stack holds a LinkContext with id github); matched here on the raw events
CONVERSIONS: dict[str, dict] = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text())["vars"]["conversions"]


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _open(path: Path):
    return gzip.open(path, "rt") if str(path).endswith(".gz") else open(path)


def _collector_row(obj: dict) -> dict | None:
    """The table row a line becomes, or None when the loader must reject it."""
    if "value" in obj and "event_id" in obj:
        try:
            moment = datetime.fromisoformat(str(obj["moment"]))
            day = date.fromisoformat(str(obj["day"]))
        except (ValueError, KeyError):
            return None
        if not (_is_uuid(obj["event_id"]) and _is_uuid(obj.get("cookie_id")) and isinstance(obj["value"], dict)):
            return None
        if day != moment.date():
            return None
        return {"event_id": obj["event_id"], "moment": moment, "cookie_id": obj["cookie_id"], "value": obj["value"]}
    time_ms = obj.get("time")
    if isinstance(time_ms, bool) or not isinstance(time_ms, (int, float)) or not _is_uuid(obj.get("id")):
        return None
    contexts = obj.get("global_contexts")
    cookies = [c for c in contexts if isinstance(c, dict) and c.get("_type") == "CookieIdContext"] if isinstance(contexts, list) else []
    if not cookies or not _is_uuid(cookies[0].get("cookie_id")):
        return None
    moment = EPOCH + timedelta(milliseconds=time_ms)
    return {"event_id": obj["id"], "moment": moment, "cookie_id": cookies[0]["cookie_id"], "value": obj}


def json_type_words(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string", type(None): "null"}.get(type(value), "a number")


def quarantine_reason(value: dict) -> str | None:
    if value.get("_type") is None:
        return "missing _type"
    if not isinstance(value["_type"], str):
        return f"_type is not a string: found {json_type_words(value['_type'])}"
    if not isinstance(value.get("_types"), list):
        return "missing or invalid _types (event type ancestry)"
    stack = value.get("location_stack")
    if stack is None:
        return "missing location_stack"
    if not isinstance(stack, list):
        return f"location_stack is not an array: found {json_type_words(stack)}"
    if not stack:
        return "location_stack is empty"
    contexts = value.get("global_contexts")
    if contexts is None:
        return "missing global_contexts"
    if not isinstance(contexts, list):
        return f"global_contexts is not an array: found {json_type_words(contexts)}"
    return None


def read_lines(path: Path) -> tuple[list[dict], int]:
    """Table rows the loader must insert (first occurrence of each event_id), and the number of rejected lines."""
    rows, seen, rejected = [], set(), 0
    with _open(path) as handle:
        for line in handle:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = None
            row = _collector_row(obj) if isinstance(obj, dict) else None
            if row is None or row["event_id"] in seen:
                rejected += 1
                continue
            seen.add(row["event_id"])
            rows.append(row)
    return rows, rejected


def type_label(context: dict) -> str | None:
    if not isinstance(context, dict) or context.get("_type") is None or context.get("id") is None:
        return None
    readable = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(context["_type"])).replace(" Context", "")
    return f"{readable}: {context['id']}"


def nice_name(stack: list[dict]) -> str | None:
    if not stack:
        return None
    last = type_label(stack[-1])
    if last is None or len(stack) == 1:
        return last
    earlier = [label for label in map(type_label, stack[:-1]) if label is not None]
    return f"{last} located at {' => '.join(earlier)}" if earlier else None


def first_field(contexts: list, context_type: str, field: str) -> str | None:
    for context in contexts:
        if isinstance(context, dict) and context.get("_type") == context_type:
            value = context.get(field)
            return None if value is None else str(value)
    return None


def events_frame(rows: list[dict]) -> pd.DataFrame:
    """stg_objectiv__events as the semantics define it: good rows with their derived columns."""
    records = []
    for row in rows:
        value = row["value"]
        if quarantine_reason(value) is not None:
            continue
        stack, contexts = value["location_stack"], value["global_contexts"]
        records.append({
            "event_id": row["event_id"],
            "user_id": row["cookie_id"],
            "moment": row["moment"],
            "day": row["moment"].date(),
            "event_type": value["_type"],
            "stack_event_types": [str(t) for t in value["_types"]],
            "location_stack": stack,
            "global_contexts": contexts,
            "application": first_field(contexts, "ApplicationContext", "id"),
            "root_location": first_field(stack, "RootLocationContext", "id"),
            "feature_nice_name": nice_name(stack),
            "referrer": first_field(contexts, "HttpContext", "referrer"),
            **{f"utm_{key}": first_field(contexts, "MarketingContext", key)
               for key in ("source", "medium", "campaign", "content", "term")},
        })
    return pd.DataFrame.from_records(records)


def resolve_identities(events: pd.DataFrame, identity_id: str) -> pd.Series:
    """Per event the resolved user: the identity of the cookie's latest identified event, else the cookie."""
    def identity(contexts: list) -> str | None:
        for context in contexts:
            if context.get("_type") == "IdentityContext" and context.get("id") == identity_id:
                return None if context.get("value") is None else f"{context['value']}|{identity_id}"
        return None

    identified = events.assign(identity=events["global_contexts"].map(identity)).dropna(subset=["identity"])
    latest = identified.sort_values(["moment", "event_id"]).groupby("user_id")["identity"].last()
    return events["user_id"].map(latest)


def sessionize(events: pd.DataFrame, gap_seconds: float = 1800, identity_id: str | None = None,
               anonymize: bool = True, start_date: str | None = None, end_date: str | None = None) -> pd.DataFrame:
    """int_events_sessionized: session_id (first event id), session_number, session_hit_number, session_start_at."""
    frame = events.copy()
    if start_date:
        frame = frame[frame["day"] >= date.fromisoformat(start_date)]
    if end_date:
        frame = frame[frame["day"] <= date.fromisoformat(end_date)]
    identity = resolve_identities(frame, identity_id) if identity_id else pd.Series(None, index=frame.index)
    frame["session_user"] = identity.fillna(frame["user_id"])
    frame = frame.sort_values(["session_user", "moment", "event_id"])
    previous = frame.groupby("session_user")["moment"].shift()
    starts = previous.isna() | (frame["moment"] - previous > timedelta(seconds=gap_seconds))
    frame["session_number"] = starts.astype(int).groupby(frame["session_user"]).cumsum()
    session = [frame["session_user"], frame["session_number"]]
    frame["session_id"] = frame.groupby(session)["event_id"].transform("first")
    frame["session_hit_number"] = frame.groupby(session).cumcount() + 1
    frame["session_start_at"] = frame.groupby(session)["moment"].transform("min")
    frame["user_id"] = frame["session_user"]
    if identity_id and anonymize:
        frame.loc[identity.reindex(frame.index).isna(), "user_id"] = None
    return frame.drop(columns="session_user")


def is_conversion(frame: pd.DataFrame, definition: dict) -> pd.Series:
    """The event matches the definition: exact event type and/or a stack element and/or a global context with
    all the given keys (a list of elements: any of them)."""
    matches = pd.Series(True, index=frame.index)
    if definition.get("event_type"):
        matches &= frame["event_type"] == definition["event_type"]
    for column in ("location_stack", "global_contexts"):
        elements = definition.get(column) or []
        elements = [elements] if isinstance(elements, dict) else elements
        if elements:
            matches &= frame[column].map(lambda contexts, elements=elements: any(
                isinstance(context, dict) and all(context.get(k) == v for k, v in element.items())
                for element in elements for context in contexts))
    after = definition.get("after")
    if after:
        matches &= within_hours_after(frame, matches, is_conversion(frame, CONVERSIONS[after["conversion"]]),
                                      after["within_hours"])
    return matches


def within_hours_after(frame: pd.DataFrame, candidates: pd.Series, earlier: pd.Series, hours: float) -> pd.Series:
    """Per candidate event: the same user had an `earlier` event at most `hours` before it (or at its moment)."""
    user = frame["session_user"] if "session_user" in frame else frame["user_id"]
    earlier_moments = frame.loc[earlier].groupby(user[earlier])["moment"].apply(list).to_dict()
    window = pd.Timedelta(hours=hours)
    result = pd.Series(False, index=frame.index)
    for index in frame.index[candidates]:
        moment = frame.at[index, "moment"]
        result.at[index] = any(moment - window <= m <= moment for m in earlier_moments.get(user[index], []))
    return result


def stack_slice(stack: list, from_type: str, from_id: str | None = None) -> list:
    """The stack from its first element of the type (and id) on, that element included; [] when none matches
    (the model hub's location_stack.json[{'_type': from_type, 'id': from_id}:])."""
    for position, context in enumerate(stack):
        if isinstance(context, dict) and context.get("_type") == from_type and (from_id is None or context.get("id") == from_id):
            return stack[position:]
    return []


def with_sliced_location(frame: pd.DataFrame, location: dict) -> pd.DataFrame:
    """The events with feature_nice_name replaced by the nice name of a slice of their stack (a location var
    {from_type, from_id}, from_id optional); NULL without a matching element."""
    return frame.assign(feature_nice_name=frame["location_stack"].map(
        lambda stack: nice_name(stack_slice(stack, location["from_type"], location.get("from_id")))))
