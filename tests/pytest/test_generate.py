"""The event generator: deterministic, exact line counts, and every feature the models must handle really occurs.

The content checks parse a 20,000-event sample with the default seed and recompute everything from the lines
themselves (sessions by the 30-minute rule, bad-line kinds, identities), independently of the generator's code.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import pairwise

import pytest

from objectiv_dbt import generate
from objectiv_dbt.generate import BAD_KINDS, DEFAULT_SEED, generate_lines, write_events

SAMPLE_EVENTS = 20_000
SESSION_GAP_MS = 1_800_000
START = date(2024, 3, 1)
START_MS = int(datetime(START.year, START.month, START.day, tzinfo=UTC).timestamp() * 1000)
END_MS = START_MS + 30 * 86_400_000
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

MODERN_ANCESTRY = {
    "PressEvent": {"AbstractEvent", "InteractiveEvent"},
    "InputChangeEvent": {"AbstractEvent", "InteractiveEvent"},
    "ApplicationLoadedEvent": {"AbstractEvent", "NonInteractiveEvent"},
    "SuccessEvent": {"AbstractEvent", "NonInteractiveEvent"},
    "FailureEvent": {"AbstractEvent", "NonInteractiveEvent"},
    "VisibleEvent": {"AbstractEvent", "NonInteractiveEvent"},
    "HiddenEvent": {"AbstractEvent", "NonInteractiveEvent"},
    "MediaLoadEvent": {"AbstractEvent", "NonInteractiveEvent", "MediaEvent"},
    "MediaStartEvent": {"AbstractEvent", "NonInteractiveEvent", "MediaEvent"},
    "MediaPauseEvent": {"AbstractEvent", "NonInteractiveEvent", "MediaEvent"},
    "MediaStopEvent": {"AbstractEvent", "NonInteractiveEvent", "MediaEvent"},
}
LOCATION_TYPES = {
    "RootLocationContext",
    "NavigationContext",
    "OverlayContext",
    "ContentContext",
    "ExpandableContext",
    "MediaPlayerContext",
    "InputContext",
    "PressableContext",
    "LinkContext",
}
ROOTS = {
    "objectiv-website": {"home", "about", "blog", "jobs"},
    "objectiv-docs": {"home", "taxonomy", "tracking", "modeling"},
    "objectiv-shop": {"home", "product", "cart", "checkout"},
}


# ------------------------------------------------------------------------------------------------
# Reading a generated file back, independently of the generator.
# ------------------------------------------------------------------------------------------------


@dataclass
class Event:
    line: int
    event_id: str
    time: int
    cookie: str
    value: dict
    row: dict | None = None  # the collector row

    @property
    def type(self) -> str:
        return self.value["_type"]

    @property
    def stack(self) -> list[dict]:
        return self.value["location_stack"]

    @property
    def contexts(self) -> list[dict]:
        return self.value["global_contexts"]

    def first(self, type_: str) -> dict | None:
        return next((context for context in self.contexts if context["_type"] == type_), None)

    def all(self, type_: str) -> list[dict]:
        return [context for context in self.contexts if context["_type"] == type_]

    @property
    def legacy(self) -> bool:
        return any(context["_type"] == "WebDocumentContext" for context in self.stack)

    def ends_on(self, type_: str, id_: str | None = None) -> bool:
        last = self.stack[-1]
        return last["_type"] == type_ and (id_ is None or last["id"] == id_)


@dataclass
class Sample:
    events: list[Event] = field(default_factory=list)
    bad: Counter = field(default_factory=Counter)
    lines: int = 0

    def by_cookie(self) -> dict[str, list[Event]]:
        cookies = defaultdict(list)
        for event in self.events:
            cookies[event.cookie].append(event)
        for events in cookies.values():
            events.sort(key=lambda event: (event.time, event.event_id))
        return cookies

    def sessions(self) -> list[list[Event]]:
        """The 30-minute rule: strictly more than 1800 s after the previous event starts a new session."""
        sessions = []
        for events in self.by_cookie().values():
            for number, event in enumerate(events):
                if number == 0 or event.time - events[number - 1].time > SESSION_GAP_MS:
                    sessions.append([])
                sessions[-1].append(event)
        return sessions


def _is_uuid(value: object) -> bool:
    return isinstance(value, str) and bool(UUID.match(value))


def _cookie_of(event: dict) -> object:
    contexts = event.get("global_contexts")
    cookie = [c for c in contexts if c.get("_type") == "CookieIdContext"] if isinstance(contexts, list) else []
    return cookie[0].get("cookie_id") if cookie else None


def _bad_kind(value: object, seen_ids: set[str], collector: bool) -> str | None:
    """The kind of a broken line (BAD_KINDS), or None for a good event. Each bad line has one defect."""
    if not isinstance(value, dict):
        return "not_object"
    event = value["value"] if collector else value
    time_value = value.get("moment") if collector else value.get("time")
    cookie = value.get("cookie_id") if collector else _cookie_of(event)
    event_id = value.get("event_id") if collector else event.get("id")
    checks = (
        ("missing_time", ("moment" if collector else "time") not in value),
        (
            "garbled_time",
            not (isinstance(time_value, str) and len(time_value) == 23)
            if collector
            else not isinstance(time_value, int),
        ),
        ("missing_cookie", cookie is None),
        ("cookie_not_uuid", not _is_uuid(cookie)),
        ("event_id_not_uuid", not _is_uuid(event_id)),
        ("duplicate_event_id", event_id in seen_ids),
        ("missing_type", "_type" not in event),
        ("location_stack_not_array", not isinstance(event.get("location_stack"), list)),
        ("empty_location_stack", event.get("location_stack") == []),
    )
    return next((kind for kind, failed in checks if failed), None)


def parse(lines: list[str], collector: bool = False) -> Sample:
    sample = Sample(lines=len(lines))
    seen_ids: set[str] = set()
    for number, line in enumerate(lines):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            sample.bad["not_json"] += 1
            continue
        kind = _bad_kind(value, seen_ids, collector)
        if kind:
            sample.bad[kind] += 1
            continue
        event = value["value"] if collector else value
        seen_ids.add(event["id"])
        sample.events.append(
            Event(number, event["id"], event["time"], _cookie_of(event), event, value if collector else None)
        )
    return sample


@pytest.fixture(scope="module")
def generated() -> tuple[list[str], dict]:
    stats: dict = {}
    return list(generate_lines(SAMPLE_EVENTS, DEFAULT_SEED, stats=stats)), stats


@pytest.fixture(scope="module")
def lines(generated: tuple[list[str], dict]) -> list[str]:
    return generated[0]


@pytest.fixture(scope="module")
def stats(generated: tuple[list[str], dict]) -> dict:
    return generated[1]


@pytest.fixture(scope="module")
def sample(lines: list[str]) -> Sample:
    return parse(lines)


@pytest.fixture(scope="module")
def sessions(sample: Sample) -> list[list[Event]]:
    return sample.sessions()


@pytest.fixture(scope="module")
def modern(sample: Sample) -> list[Event]:
    return [event for event in sample.events if not event.legacy]


# ------------------------------------------------------------------------------------------------
# Determinism and counts.
# ------------------------------------------------------------------------------------------------


def test_same_seed_same_lines_other_seed_different() -> None:
    lines = list(generate_lines(5000, DEFAULT_SEED))
    assert lines == list(generate_lines(5000, DEFAULT_SEED))
    assert list(generate_lines(5000, DEFAULT_SEED + 1)) != lines
    assert list(generate_lines(2000, 7, fmt="collector")) == list(generate_lines(2000, 7, fmt="collector"))


@pytest.mark.parametrize(
    "events, bad_share", [(0, 0.003), (1, 0.003), (1, 1.0), (7, 0.5), (1234, 0.003), (3000, 0.0), (3000, 0.05)]
)
def test_exact_line_count(events: int, bad_share: float) -> None:
    stats: dict = {}
    lines = list(generate_lines(events, 3, bad_share=bad_share, stats=stats))
    assert len(lines) == events == stats["lines"]
    assert stats["events"] + sum(stats["bad"].values()) == events
    assert all(line and "\n" not in line for line in lines)


def test_invalid_arguments_are_rejected(tmp_path, capsys) -> None:
    for arguments in (
        {"events": -1},
        {"events": 10, "days": 0},
        {"events": 10, "bad_share": 2},
        {"events": 10, "fmt": "csv"},
    ):
        with pytest.raises(ValueError):
            generate_lines(**{"seed": 1, **arguments})
    with pytest.raises(SystemExit):
        generate.main(["--events", "-5", "--out", str(tmp_path / "x.ndjson")])
    assert "events >= 0" in capsys.readouterr().err and not (tmp_path / "x.ndjson").exists()


def test_uuids_are_uuid4_from_the_seeded_rng() -> None:
    rng, reference = random.Random(5), random.Random(5)
    for _ in range(200):
        assert generate._uuid(rng) == str(uuid.UUID(int=reference.getrandbits(128), version=4))


def test_write_events_gzip_is_byte_identical_and_matches_the_lines(tmp_path) -> None:
    first, second, plain = tmp_path / "a.ndjson.gz", tmp_path / "b.ndjson.gz", tmp_path / "c.ndjson"
    stats = write_events(first, 2000, 11, fmt="collector")
    write_events(second, 2000, 11, fmt="collector")
    write_events(plain, 2000, 11, fmt="collector")
    assert first.read_bytes() == second.read_bytes()
    expected = "".join(line + "\n" for line in generate_lines(2000, 11, fmt="collector"))
    assert gzip.decompress(first.read_bytes()).decode() == expected == plain.read_text()
    assert stats["lines"] == 2000 and stats["seconds"] >= 0


def test_cli_writes_the_file_and_a_summary(tmp_path, capsys) -> None:
    out = tmp_path / "events.ndjson"
    arguments = f"--events 1500 --seed 9 --out {out} --days 3 --start 2023-12-30 --bad-share 0.01"
    assert generate.main(arguments.split()) == 0
    assert out.read_text().splitlines() == list(
        generate_lines(1500, 9, start=date(2023, 12, 30), days=3, bad_share=0.01)
    )
    err = capsys.readouterr().err
    assert "1,500 lines" in err and "users" in err and "sessions" in err and "not_json" in err


# ------------------------------------------------------------------------------------------------
# Bad lines.
# ------------------------------------------------------------------------------------------------


def test_every_bad_kind_occurs_and_matches_the_stats(sample: Sample, stats: dict) -> None:
    assert set(sample.bad) == set(BAD_KINDS)
    assert dict(sample.bad) == stats["bad"]
    assert sum(sample.bad.values()) == round(SAMPLE_EVENTS * 0.003)
    assert len(sample.events) == stats["events"] == SAMPLE_EVENTS - sum(sample.bad.values())


def test_bad_lines_are_mixed_through_the_file(lines: list[str], sample: Sample) -> None:
    good_lines = {event.line for event in sample.events}
    bad_positions = [number for number in range(len(lines)) if number not in good_lines]
    assert bad_positions[0] < SAMPLE_EVENTS / 4 and bad_positions[-1] > SAMPLE_EVENTS * 3 / 4


def test_collector_format_is_consistent_and_carries_the_same_events() -> None:
    events = 5000
    sample = parse(list(generate_lines(events, DEFAULT_SEED, fmt="collector")), collector=True)
    lines = list(generate_lines(events, DEFAULT_SEED))
    assert set(sample.bad) == set(BAD_KINDS)
    assert len(sample.events) > events * 0.99
    for event in sample.events:
        row, moment = event.row, datetime.fromtimestamp(event.time / 1000, UTC)
        assert list(row) == ["event_id", "day", "moment", "cookie_id", "value"]
        assert row["event_id"] == event.event_id
        assert row["day"] == moment.strftime("%Y-%m-%d")
        assert row["moment"] == moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{event.time % 1000:03d}"
        assert row["cookie_id"] == event.cookie
        assert json.dumps(row["value"]) == lines[event.line]  # the same events as in the tracker format


# ------------------------------------------------------------------------------------------------
# Event and context types.
# ------------------------------------------------------------------------------------------------


def test_event_types_with_their_ancestry(modern: list[Event]) -> None:
    assert {event.type for event in modern} == set(MODERN_ANCESTRY)
    shuffled = 0
    for event in modern:
        types = event.value["_types"]
        assert sorted(types) == sorted(MODERN_ANCESTRY[event.type] | {event.type})
        shuffled += types[-1] != event.type
        assert ("message" in event.value) == (event.type in ("SuccessEvent", "FailureEvent"))
    assert 0.02 * len(modern) < shuffled < 0.2 * len(modern)


def test_every_context_has_type_id_and_ancestry(sample: Sample) -> None:
    for event in sample.events:
        for context in event.stack + event.contexts:
            assert isinstance(context["_type"], str) and isinstance(context["id"], str)
            assert context["_types"][:1] == ["AbstractContext"] and context["_type"] in context["_types"]


def test_applications_and_root_locations(modern: list[Event]) -> None:
    roots = defaultdict(set)
    for event in modern:
        assert event.stack[0]["_type"] == "RootLocationContext"
        roots[event.first("ApplicationContext")["id"]].add(event.stack[0]["id"])
    assert roots == ROOTS


def test_location_stacks(modern: list[Event]) -> None:
    assert {context["_type"] for event in modern for context in event.stack} == LOCATION_TYPES
    assert {len(event.stack) for event in modern} == {1, 2, 3, 4, 5, 6}
    links = [context for event in modern for context in event.stack if context["_type"] == "LinkContext"]
    assert all(link["href"] for link in links)
    assert 0.5 < sum("text" in link for link in links) / len(links) < 1
    for event in modern:
        assert all(context["_type"] != "RootLocationContext" for context in event.stack[1:])
        if event.type == "PressEvent":
            assert event.stack[-1]["_type"] in ("PressableContext", "LinkContext")
        elif event.type == "InputChangeEvent":
            assert event.stack[-1]["_type"] == "InputContext"
        elif event.type.startswith("Media"):
            assert "MediaPlayerContext" in [context["_type"] for context in event.stack]


def test_global_contexts(modern: list[Event]) -> None:
    for event in modern:
        for type_ in ("ApplicationContext", "CookieIdContext", "HttpContext", "PathContext"):
            assert event.first(type_), (type_, event.value)
        http = event.first("HttpContext")
        assert http["id"] == "http_context" and http["user_agent"] and http["remote_address"]
        assert event.first("PathContext")["id"].startswith("https://")
    referrers = Counter(event.first("HttpContext")["referrer"] for event in modern)
    assert {"", "https://www.google.com/", "https://news.ycombinator.com/", "https://github.com/"} <= set(referrers)
    with_locale = [event.first("LocaleContext") for event in modern if event.first("LocaleContext")]
    assert 0.2 * len(modern) < len(with_locale) < 0.9 * len(modern)
    assert all(locale["language_code"] and locale["country_code"] for locale in with_locale)
    hits = [event.first("SessionContext")["hit_number"] for event in modern if event.first("SessionContext")]
    assert 0.2 * len(modern) < len(hits) < 0.9 * len(modern) and 1 in hits and max(hits) > 10


def test_marketing_context_on_all_events_of_some_sessions(sessions: list[list[Event]]) -> None:
    campaign_sessions, fields = 0, Counter()
    for session in sessions:
        marketing = [event.first("MarketingContext") for event in session]
        if any(marketing):
            campaign_sessions += 1
            assert all(context == marketing[0] for context in marketing if not session[0].legacy)
            fields.update(key for key in marketing[0] if not key.startswith("_") and key != "id")
    assert 0.05 * len(sessions) < campaign_sessions < 0.25 * len(sessions)
    for key in (
        "source",
        "medium",
        "campaign",
        "term",
        "content",
        "source_platform",
        "creative_format",
        "marketing_tactic",
    ):
        assert 0 < fields[key] <= campaign_sessions
    assert fields["term"] < campaign_sessions and fields["content"] < campaign_sessions  # missing on some


def test_identity_contexts(sample: Sample) -> None:
    emails_by_cookie: dict[str, list[str]] = {}
    late_identified = phone = 0
    for cookie, events in sample.by_cookie().items():
        emails = [[c["value"] for c in event.all("IdentityContext") if c["id"] == "email"] for event in events]
        phone += any(c["id"] == "phone" for event in events for c in event.all("IdentityContext"))
        if any(emails):
            late_identified += not emails[0]
            identified_at = min(event.time for event, found in zip(events, emails, strict=True) if found)
            assert all(found for event, found in zip(events, emails, strict=True) if event.time > identified_at), (
                "once identified, every later event of the cookie carries the identity"
            )
            emails_by_cookie[cookie] = list(dict.fromkeys(email for found in emails for email in found))
    assert late_identified > 10 and phone > 5
    cookies_per_email = Counter(email for emails in emails_by_cookie.values() for email in emails)
    assert [count for count in cookies_per_email.values() if count > 1] == [2]
    assert sum(len(emails) > 1 for emails in emails_by_cookie.values()) == 1
    assert all(re.match(r"^[a-z]+\.\d+@[a-z.]+$", email) for email in cookies_per_email)


# ------------------------------------------------------------------------------------------------
# Users, sessions and time.
# ------------------------------------------------------------------------------------------------


def test_users_and_sessions_match_the_30_minute_rule(sample: Sample, sessions: list[list[Event]], stats: dict):
    per_user = Counter(session[0].cookie for session in sessions)
    assert len(per_user) == stats["users"] and len(sessions) == stats["sessions"]
    assert sum(count <= 2 for count in per_user.values()) > 0.6 * len(per_user)
    assert max(per_user.values()) >= 10 and sum(count >= 10 for count in per_user.values()) >= 5
    sizes = Counter(min(len(session), 10) for session in sessions)
    assert 0.2 * len(sessions) < sizes[1] < 0.5 * len(sessions) and sizes[10] > 0.1 * len(sessions)


def test_gaps_at_the_session_boundary(sample: Sample) -> None:
    gaps = Counter()
    for events in sample.by_cookie().values():
        gaps.update(later.time - earlier.time for earlier, later in pairwise(events))
    assert gaps[SESSION_GAP_MS] >= 3 and gaps[SESSION_GAP_MS + 1] >= 3
    assert gaps[0] >= 10  # events of one user at the same millisecond
    assert sum(count for gap, count in gaps.items() if gap > 86_400_000) > 100  # days between sessions
    assert sum(count for gap, count in gaps.items() if 1000 <= gap <= 600_000) > 0.5 * sum(gaps.values())


def test_same_millisecond_press_and_hidden(sample: Sample) -> None:
    pairs = set()
    for events in sample.by_cookie().values():
        for earlier, later in pairwise(events):
            if earlier.time == later.time:
                pairs.add(frozenset((earlier.type, later.type)))
    assert frozenset(("PressEvent", "HiddenEvent")) in pairs


def test_sessions_crossing_midnight(sessions: list[list[Event]]) -> None:
    crossing = [session for session in sessions if session[0].time // 86_400_000 != session[-1].time // 86_400_000]
    assert len(crossing) >= 5


def test_events_roughly_in_time_order_with_some_late(sample: Sample, stats: dict) -> None:
    times = [event.time for event in sample.events]
    assert START_MS <= min(times) < START_MS + 86_400_000 and max(times) < END_MS + 86_400_000
    assert sum(time >= END_MS for time in times) == stats["after_period"] < 0.001 * len(times)
    running_max, behind = 0, []
    for event in sample.events:
        if event.time < running_max:
            behind.append(event)
        running_max = max(running_max, event.time)
    assert 0.002 * len(times) < len(behind) < 0.02 * len(times)
    assert stats["late"] > 0.002 * len(times)
    days = Counter(time // 86_400_000 for time in times if time < END_MS)
    mean = len(times) / 30
    assert len(days) == 30 and 0.3 * mean < min(days.values()) and max(days.values()) < 2 * mean  # no ramp-up


# ------------------------------------------------------------------------------------------------
# Conversions, orders and the older taxonomy.
# ------------------------------------------------------------------------------------------------


def _is_github_press(event: Event) -> bool:
    return event.type == "PressEvent" and event.ends_on("LinkContext", "github")


def test_conversions(modern: list[Event], sessions: list[list[Event]], stats: dict) -> None:
    navbar = [event for event in modern if _is_github_press(event)]
    hero = [
        event for event in modern if event.type == "PressEvent" and event.ends_on("LinkContext", "objectiv-on-github")
    ]
    assert hero and len(navbar) + len(hero) == stats["conversions"]
    assert any(
        [c["_type"] for c in event.stack] == ["RootLocationContext", "NavigationContext", "LinkContext"]
        and event.stack[0]["id"] == "home"
        and event.stack[1]["id"] == "navbar-top"
        for event in navbar
    )
    per_session = [sum(map(_is_github_press, session)) for session in sessions]
    converting = sum(count > 0 for count in per_session)
    assert 0.05 * len(sessions) < converting < 0.15 * len(sessions)
    assert sum(count > 1 for count in per_session) >= 5
    assert sum(_is_github_press(session[0]) for session in sessions) >= 5


def test_order_flow(modern: list[Event], stats: dict) -> None:
    shop = [event for event in modern if event.first("ApplicationContext")["id"] == "objectiv-shop"]
    assert any(event.type == "PressEvent" and event.ends_on("PressableContext", "add-to-cart") for event in shop)
    orders = [event for event in shop if event.type == "SuccessEvent"]
    assert len(orders) == stats["orders"] >= 20
    totals = set()
    for order in orders:
        assert order.value["message"] == "order placed"
        assert [(c["_type"], c["id"]) for c in order.stack] == [
            ("RootLocationContext", "checkout"),
            ("ContentContext", "order-summary"),
        ]
        total = [c for c in order.all("InputValueContext") if c["id"] == "order_total"]
        assert len(total) == 1 and re.match(r"^\d+\.\d\d$", total[0]["value"])
        totals.add(total[0]["value"])
    assert len(totals) >= 10
    failures = [event for event in shop if event.type == "FailureEvent"]
    assert failures and all(event.stack[0]["id"] == "checkout" and event.value["message"] for event in failures)


def test_older_taxonomy(sample: Sample) -> None:
    legacy = [event for event in sample.events if event.legacy]
    assert 0.01 * len(sample.events) < len(legacy) < 0.1 * len(sample.events)
    clicks = [event for event in legacy if event.type == "ClickEvent"]
    assert clicks and all(
        event.value["_types"] == ["AbstractEvent", "ClickEvent", "InteractiveEvent"] for event in clicks
    )
    types = {context["_type"] for event in legacy for context in event.stack}
    assert {"WebDocumentContext", "SectionContext", "ButtonContext", "LinkContext"} <= types
    for event in legacy:
        document = event.stack[0]
        assert document["id"] == "#document" and document["url"].startswith("https://objectiv.io")
