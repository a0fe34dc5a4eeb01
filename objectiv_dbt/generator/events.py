"""The EventGenerator: users arrive, sessions merge into time order, late and bad lines mixed in."""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime

from objectiv_dbt.generator.bad_lines import BAD_KINDS, bad_line
from objectiv_dbt.generator.parameters import (
    DAY_MS,
    DEFAULT_START,
    FORMATS,
    HOUR_MS,
    LATE_LINES,
    LATE_SHARE,
    NIGHT_OWL_SHARE,
    SESSION_ALLOWANCE_MS,
    SESSION_GAP_MS,
)
from objectiv_dbt.generator.session import Session
from objectiv_dbt.generator.taxonomy import (
    HEADERS,
    LEGACY_DOCUMENT_TYPES,
    LEGACY_HEADERS,
    SHUFFLED_TYPES_SHARE,
    StackCache,
    StackKey,
    _context,
    _global,
    _uuid,
)
from objectiv_dbt.generator.users import (
    APP_TABLE,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LOCALES,
    USER_AGENTS,
    WEBSITE,
    Calendar,
    User,
    _pick,
)

def empty_stats() -> dict:
    return {
        "lines": 0,
        "events": 0,
        "users": 0,
        "sessions": 0,
        "late": 0,
        "legacy_events": 0,
        "conversions": 0,
        "orders": 0,
        "identified_users": 0,
        "after_period": 0,
        "bad": dict.fromkeys(BAD_KINDS, 0),
    }


class EventGenerator:
    def __init__(
        self, events: int, seed: int, fmt: str, start: date, days: int, bad_share: float, stats: dict | None = None
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
        if events < 0 or days < 1 or not 0 <= bad_share <= 1:
            raise ValueError("need events >= 0, days >= 1 and 0 <= bad_share <= 1")
        self.rng = random.Random(seed)
        self.total = events
        self.bad_total = min(round(events * bad_share), max(events - 1, 0))
        self.good_total = events - self.bad_total
        self.collector = fmt == "collector"
        self.start_ms = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp() * 1000)
        self.end_ms = self.start_ms + days * DAY_MS
        self.calendar = Calendar(self.start_ms, days, start)
        self.stats = stats if stats is not None else {}
        self.stats.clear()
        self.stats.update(empty_stats())
        self.stacks = StackCache()
        self.paths: dict[str, str] = {}  # PathContext by URL
        self.documents: dict[str, str] = {}  # the old taxonomy's WebDocumentContext by URL
        self.days: dict[int, str] = {}
        self.identified = 0  # users with an email so far
        self.emails_made = self.phones_made = 0
        self.shared_email = ""
        self.two_emails_done = False

    # -- pieces ------------------------------------------------------------------------------------
    def path_context(self, url: str) -> str:
        context = self.paths.get(url)
        if context is None:
            context = self.paths[url] = _global("PathContext", url)
        return context

    @staticmethod
    def input_value(id_: str, value: str) -> str:
        return ", " + _global("InputValueContext", id_, value=value)

    def day(self, t: int) -> str:
        number = t // DAY_MS
        text = self.days.get(number)
        if text is None:
            text = self.days[number] = datetime.fromtimestamp(number * 86400, UTC).strftime("%Y-%m-%d")
        return text

    def line(self, session: Session, event_id: str, key: str, stack_key: StackKey, message: str, extra: str) -> str:
        """Serialize one event (and its collector row) from pre-serialized pieces."""
        user = session.user
        user.count_event()
        session.hits += 1
        t = session.t
        rng = self.rng
        stack = self.stacks[stack_key]
        if session.legacy:
            self.stats["legacy_events"] += 1
            header = LEGACY_HEADERS[key][0]
            document = self.documents.get(session.url)
            if document is None:
                document = self.documents[session.url] = _context(
                    "WebDocumentContext", "#document", LEGACY_DOCUMENT_TYPES, url=session.url
                )
            stack_json = "[" + document + stack.legacy_tail + "]"
            contexts = session.prefix + user.identity + extra
        else:
            headers = HEADERS[key]
            header = headers[int(rng.random() * len(headers))] if rng.random() < SHUFFLED_TYPES_SHARE else headers[0]
            stack_json = stack.json
            hit = f", {session.session_context}{session.hits}}}" if session.app != WEBSITE else ""
            contexts = session.prefix + hit + user.identity + user.locale + extra
        value = (
            f'{header}{event_id}", "time": {t}{message}, "location_stack": {stack_json}, '
            f'"global_contexts": [{contexts}]}}'
        )
        if not self.collector:
            return value
        day = self.day(t)
        seconds, millis = divmod(t % DAY_MS, 1000)
        minutes, second = divmod(seconds, 60)
        moment = f"{day} {minutes // 60:02d}:{minutes % 60:02d}:{second:02d}.{millis:03d}"
        return (
            f'{{"event_id": "{event_id}", "day": "{day}", "moment": "{moment}", '
            f'"cookie_id": "{user.cookie}", "value": {value}}}'
        )

    # -- users -------------------------------------------------------------------------------------
    def session_sizes(self) -> list[int]:
        """Events per session of a new user: mostly 1-2 sessions, some 10+; a third of sessions bounce."""
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            count = 1
        elif r < 0.75:
            count = 2
        elif r < 0.88:
            count = rng.randint(3, 5)
        elif r < 0.96:
            count = rng.randint(6, 9)
        else:
            count = rng.randint(10, 30)
        return [1 if rng.random() < 0.33 else 2 + min(int(rng.expovariate(1 / 6)), 80) for _ in range(count)]

    def plan_users(self) -> Iterator[tuple[int, int, list[int], list[int]]]:
        """Every user's (first session start, number, events per session, gaps between sessions) in order
        of arrival; the budgets add up to exactly the number of good events.

        A user's sessions (first start plus the gaps) are placed at a random point of the period where
        they all fit, so the event volume stays about flat from the first day to the last. Only this plan
        is kept for all users (a few ints each); their contexts are made when they arrive.
        """
        plans, planned = [], 0
        period = self.end_ms - self.start_ms
        while planned < self.good_total:
            sizes = self.session_sizes()
            while sum(sizes) > self.good_total - planned:  # the last user gets what is left
                sizes[-1] -= sum(sizes) - (self.good_total - planned)
                if sizes[-1] <= 0:
                    sizes.pop()
            planned += sum(sizes)
            gaps = self.fit_gaps([self.session_gap() for _ in sizes[1:]], period - len(sizes) * SESSION_ALLOWANCE_MS)
            span = sum(gaps) + len(sizes) * SESSION_ALLOWANCE_MS
            arrival = self.calendar.moment(
                self.arrival_share(span / period) * self.calendar.fraction(self.end_ms - span)
            )
            if self.rng.random() < NIGHT_OWL_SHARE:  # starts in the last minutes of a day: crosses midnight
                before_midnight = arrival - arrival % DAY_MS + DAY_MS - 1 - int(self.rng.random() * 5 * 60_000)
                arrival = before_midnight if before_midnight + span <= self.end_ms else arrival
            plans.append((arrival, len(plans), sizes, gaps))
        plans.sort()
        return iter(plans)

    def arrival_share(self, span_share: float) -> float:
        """Where in its possible range (0..1) a user's first session falls. Users whose sessions span a
        long part of the period are pushed towards the ends of the range (arcsine distribution): placed
        uniformly, they would overlap the middle of the period more often than its first and last days."""
        share = self.rng.random()
        if self.rng.random() < span_share:
            return (1 - math.cos(math.pi * share)) / 2
        return share

    def fit_gaps(self, gaps: list[int], room: int) -> list[int]:
        """Shrink the long gaps (never the exact 30-minute-and-1-ms ones) if they do not fit in `room`:
        to a random 60-100 % of it, so that such long-lived users still start at different moments."""
        total = sum(gaps)
        if total <= room:
            return gaps
        factor = max(room, 0) * (0.6 + 0.4 * self.rng.random()) / total
        return [gap if gap == SESSION_GAP_MS + 1 else max(int(gap * factor), SESSION_GAP_MS + 2) for gap in gaps]

    def arrive(self, plan: tuple[int, int, list[int], list[int]]) -> User:
        """Make the user of a plan: cookie, browser, address, locale, main application and identity."""
        rng = self.rng
        _, _, sizes, gaps = plan
        cookie = _uuid(rng)
        locale = ""
        if rng.random() < 0.6:
            language, country = LOCALES[int(rng.random() * len(LOCALES))]
            locale = ", " + _global("LocaleContext", language, language_code=language, country_code=country)
        address = f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        user_agent = USER_AGENTS[int(rng.random() * len(USER_AGENTS))]
        user = User(cookie, user_agent, address, locale, _pick(rng, APP_TABLE), sizes[::-1], gaps[::-1])
        user.plan_identity(self.identity_changes(sum(sizes)))
        self.stats["users"] += 1
        return user

    def email(self) -> str:
        """A new address; the serial number keeps every address unique (only the planned one is shared)."""
        self.emails_made += 1
        return f"{self.choice(FIRST_NAMES)}.{self.emails_made}@{self.choice(EMAIL_DOMAINS)}"

    def phone(self) -> str:
        self.phones_made += 1
        return f"+3162{self.phones_made:07d}"

    def choice(self, values: tuple[str, ...]) -> str:
        return values[int(self.rng.random() * len(values))]

    def identity_changes(self, budget: int) -> list[tuple[int, str]]:
        """When this user's events start to carry IdentityContexts: never, or from their n-th event on.

        Exactly one email is used by two cookies (identified users 1 and 4), and one cookie switches to
        a second email later (the first identified user with enough events after user 1).
        """
        rng = self.rng
        if budget < 2 or rng.random() >= 0.10:
            if rng.random() < 0.02:  # a phone number only
                return [(rng.randint(1, budget), ", " + self.identity_context("phone", self.phone()))]
            return []
        self.identified += 1
        self.stats["identified_users"] += 1
        email = self.shared_email if self.identified == 4 and self.shared_email else self.email()
        if self.identified == 1:
            self.shared_email = email
        at = rng.randint(2, budget)
        identity = ", " + self.identity_context("email", email)
        if rng.random() < 0.25:
            identity += ", " + self.identity_context("phone", self.phone())
        changes = [(at, identity)]
        if not self.two_emails_done and self.identified > 1 and self.identified != 4 and budget - at >= 2:
            self.two_emails_done = True
            changes.append((rng.randint(at + 1, budget), ", " + self.identity_context("email", self.email())))
        return changes

    @staticmethod
    def identity_context(scope: str, value: str) -> str:
        return _global("IdentityContext", scope, value=value)

    def session_gap(self) -> int:
        """Time from a session's last event to the user's next session: always more than 30 minutes."""
        rng = self.rng
        r = rng.random()
        if r < 0.05:
            return SESSION_GAP_MS + 1  # the smallest gap that starts a new session
        if r < 0.15:
            return rng.randint(SESSION_GAP_MS + 2, 3 * HOUR_MS)
        return max(int(rng.lognormvariate(math.log(20 * HOUR_MS), 1.3)), SESSION_GAP_MS + 2)

    # -- the time-ordered merge --------------------------------------------------------------------
    def good_events(self) -> Iterator[tuple[int, str, str]]:
        """All good events in time order: (time ms, line, event id)."""
        heap: list = []  # (time, sequence, (line, event id) or None, Session or User)
        push, pop = heapq.heappush, heapq.heappop
        plans = self.plan_users()
        arriving = next(plans, None)
        stats = self.stats
        sequence = 0
        while heap or arriving:
            if arriving and (not heap or arriving[0] <= heap[0][0]):
                sequence += 1
                push(heap, (arriving[0], sequence, None, self.arrive(arriving)))
                arriving = next(plans, None)
                continue
            t, _, payload, owner = pop(heap)
            if payload is None:  # a user starts a session
                session = Session(self, owner, t, owner.sessions.pop())
                owner.started += 1
                stats["sessions"] += 1
                owner = session
            else:
                yield t, payload[0], payload[1]
            item = next(owner.stream, None)
            sequence += 1
            if item is not None:
                push(heap, (item[0], sequence, (item[1], item[2]), owner))
            elif owner.user.sessions:
                push(heap, (owner.t + owner.user.gaps.pop(), sequence, None, owner.user))

    def lines(self) -> Iterator[str]:
        """Exactly `events` lines: good events in (roughly) time order, some late, bad ones mixed in."""
        rng, stats, bad = self.rng, self.stats, self.stats["bad"]
        good = self.good_events()
        late: list[tuple[int, int, str]] = []  # (line number to write at, sequence, line)
        written_ids: deque[str] = deque(maxlen=1000)
        bad_left, kinds = self.bad_total, []
        last: tuple[int, str, str] | None = None
        exhausted = False
        number = 0
        end_ms = self.end_ms
        while number < self.total:
            if late and (late[0][0] <= number or exhausted):
                line = heapq.heappop(late)[2]
            elif bad_left and last is not None and rng.random() * (self.total - number) < bad_left:
                if not kinds:
                    kinds = list(BAD_KINDS)
                    rng.shuffle(kinds)
                kind = kinds.pop()
                line = bad_line(rng, self.collector, kind, last, written_ids)
                bad[kind] += 1
                bad_left -= 1
            else:
                item = next(good, None)
                if item is None:
                    exhausted = True
                    continue
                last = item
                stats["events"] += 1
                if item[0] >= end_ms:
                    stats["after_period"] += 1
                if rng.random() < LATE_SHARE:
                    stats["late"] += 1
                    heapq.heappush(late, (number + rng.randint(*LATE_LINES), stats["events"], item[1]))
                    continue
                line = item[1]
                written_ids.append(item[2])
            number += 1
            yield line
        stats["lines"] = number


def generate_lines(
    events: int,
    seed: int,
    fmt: str = "tracker",
    start: date = DEFAULT_START,
    days: int = 30,
    bad_share: float = 0.003,
    stats: dict | None = None,
) -> Iterator[str]:
    """Yield exactly `events` NDJSON lines (without newline). `stats`, if given, is filled while iterating:
    lines, events (good), users, sessions, late, legacy_events, conversions, orders, identified_users,
    after_period (good events past the period's end) and bad (count per kind of BAD_KINDS)."""
    return EventGenerator(events, seed, fmt, start, days, bad_share, stats).lines()
