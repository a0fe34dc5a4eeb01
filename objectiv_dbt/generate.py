"""Deterministic generator of realistic Objectiv tracker events (newline-delimited JSON).

    python -m objectiv_dbt.generate --events N --seed S --out PATH [--format tracker|collector]
        [--start 2024-03-01] [--days 30] [--bad-share 0.003]

Same arguments give byte-identical output: everything random comes from one `random.Random(seed)`
(uuids too), never from the wall clock or `hash()`. The file has exactly N lines; a share of them
(`--bad-share`) are deliberately broken in the ways real collector data is (see BAD_KINDS).

How it works: users arrive over the period (more by day than by night, fewer at weekends), each with
a planned number of sessions and events per session, so the total is exactly N good events. A heap
of running sessions and of users waiting for their next session merges everyone's events into time
order; a session walks through an application (website, docs, shop) with page-specific actions.
Event lines are assembled from pre-serialized pieces (stacks, per-session global contexts) instead of
`json.dumps` per event, which keeps 1,000,000 events well under a minute. Only the per-user and
per-session state is kept in memory; lines are streamed.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import subprocess
import sys
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, permutations
from json.encoder import encode_basestring_ascii as _json_string
from pathlib import Path
from typing import IO

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

# ---------------------------------------------------------------------------------------------------
# Taxonomy: event types and contexts, serialized once.
# ---------------------------------------------------------------------------------------------------

INTERACTIVE = ["AbstractEvent", "InteractiveEvent"]
NON_INTERACTIVE = ["AbstractEvent", "NonInteractiveEvent"]
MEDIA_EVENT = ["AbstractEvent", "NonInteractiveEvent", "MediaEvent"]

# event key -> (_type, ancestry) in the current taxonomy
EVENT_TYPES: dict[str, tuple[str, list[str]]] = {
    "press": ("PressEvent", INTERACTIVE),
    "input": ("InputChangeEvent", INTERACTIVE),
    "loaded": ("ApplicationLoadedEvent", NON_INTERACTIVE),
    "success": ("SuccessEvent", NON_INTERACTIVE),
    "failure": ("FailureEvent", NON_INTERACTIVE),
    "visible": ("VisibleEvent", NON_INTERACTIVE),
    "hidden": ("HiddenEvent", NON_INTERACTIVE),
    "media_load": ("MediaLoadEvent", MEDIA_EVENT),
    "media_start": ("MediaStartEvent", MEDIA_EVENT),
    "media_pause": ("MediaPauseEvent", MEDIA_EVENT),
    "media_stop": ("MediaStopEvent", MEDIA_EVENT),
}

# the same keys in the older taxonomy (ancestry order as the old collector stored it)
LEGACY_EVENT_TYPES: dict[str, tuple[str, list[str]]] = {
    "press": ("ClickEvent", ["AbstractEvent", "ClickEvent", "InteractiveEvent"]),
    "input": ("InputChangeEvent", ["AbstractEvent", "InputChangeEvent", "InteractiveEvent"]),
    "loaded": ("DocumentLoadedEvent", ["AbstractEvent", "DocumentLoadedEvent", "NonInteractiveEvent"]),
    "success": ("CompletedEvent", ["AbstractEvent", "CompletedEvent", "NonInteractiveEvent"]),
    "failure": ("AbortedEvent", ["AbortedEvent", "AbstractEvent", "NonInteractiveEvent"]),
    "visible": ("SectionVisibleEvent", ["AbstractEvent", "NonInteractiveEvent", "SectionVisibleEvent"]),
    "hidden": ("SectionHiddenEvent", ["AbstractEvent", "NonInteractiveEvent", "SectionHiddenEvent"]),
    "media_load": ("VideoLoadEvent", ["AbstractEvent", "NonInteractiveEvent", "VideoEvent", "VideoLoadEvent"]),
    "media_start": ("VideoStartEvent", ["AbstractEvent", "NonInteractiveEvent", "VideoEvent", "VideoStartEvent"]),
    "media_pause": ("VideoPauseEvent", ["AbstractEvent", "NonInteractiveEvent", "VideoEvent", "VideoPauseEvent"]),
    "media_stop": ("VideoStopEvent", ["AbstractEvent", "NonInteractiveEvent", "VideoEvent", "VideoStopEvent"]),
}
SHUFFLED_TYPES_SHARE = 0.1  # "_types: order not guaranteed"
LEGACY_SESSION_SHARE = 0.05  # website and docs sessions still sent by the old tracker (older taxonomy)

LOCATION_BASE = ["AbstractContext", "AbstractLocationContext"]
GLOBAL_BASE = ["AbstractContext", "AbstractGlobalContext"]

# location element kinds used in stack keys, e.g. (("root", "home"), ("nav", "navbar-top"), ("link", "github"))
ROOT, NAV, OVERLAY, CONTENT, EXPANDABLE, MEDIA, INPUT, PRESSABLE, LINK = (
    "root",
    "nav",
    "overlay",
    "content",
    "expandable",
    "media",
    "input",
    "pressable",
    "link",
)
LOCATION_TYPES = {
    ROOT: ("RootLocationContext", LOCATION_BASE + ["RootLocationContext"]),
    NAV: ("NavigationContext", LOCATION_BASE + ["NavigationContext"]),
    OVERLAY: ("OverlayContext", LOCATION_BASE + ["OverlayContext"]),
    CONTENT: ("ContentContext", LOCATION_BASE + ["ContentContext"]),
    EXPANDABLE: ("ExpandableContext", LOCATION_BASE + ["ExpandableContext"]),
    MEDIA: ("MediaPlayerContext", LOCATION_BASE + ["MediaPlayerContext"]),
    INPUT: ("InputContext", LOCATION_BASE + ["InputContext"]),
    PRESSABLE: ("PressableContext", LOCATION_BASE + ["PressableContext"]),
    LINK: ("LinkContext", LOCATION_BASE + ["LinkContext", "PressableContext"]),
}
LEGACY_LOCATION_TYPES = {
    NAV: ("SectionContext", LOCATION_BASE + ["SectionContext"]),
    CONTENT: ("SectionContext", LOCATION_BASE + ["SectionContext"]),
    OVERLAY: ("OverlayContext", LOCATION_BASE + ["OverlayContext", "SectionContext"]),
    EXPANDABLE: ("ExpandableSectionContext", LOCATION_BASE + ["ExpandableSectionContext", "SectionContext"]),
    MEDIA: ("MediaPlayerContext", LOCATION_BASE + ["MediaPlayerContext", "SectionContext"]),
    INPUT: ("InputContext", LOCATION_BASE + ["InputContext", "ItemContext"]),
    PRESSABLE: ("ButtonContext", LOCATION_BASE + ["ActionContext", "ButtonContext", "ItemContext"]),
    LINK: ("LinkContext", LOCATION_BASE + ["ActionContext", "ItemContext", "LinkContext"]),
}
LEGACY_DOCUMENT_TYPES = LOCATION_BASE + ["SectionContext", "WebDocumentContext"]
LEGACY_LINK_IDS = {"github": "GitHub", "objectiv-on-github": "cta-repo-button"}

GITHUB_URL = "https://github.com/objectiv/objectiv-analytics"
BLOG_POSTS = {
    "launch": "Objectiv is open source",
    "taxonomy-explained": "An open taxonomy for analytics",
    "modeling-in-python": "Modeling product data in Python",
    "dbt-and-objectiv": "Objectiv and dbt",
    "privacy-first": "Privacy-first analytics",
}
VACANCIES = {"backend-engineer": "Backend engineer", "data-scientist": "Data scientist", "devrel": "Developer advocate"}
PRODUCTS = {  # slug -> (name, price in cents)
    "hoodie": ("Objectiv hoodie", 5990),
    "t-shirt": ("Objectiv t-shirt", 2495),
    "mug": ("Taxonomy mug", 1250),
    "stickers": ("Sticker pack", 499),
    "cap": ("Data cap", 1999),
    "notebook": ("Analytics notebook", 899),
    "backpack": ("Tracker backpack", 7450),
    "socks": ("Session socks", 1100),
}
DOCS_PAGES = {"home": "Introduction", "taxonomy": "Taxonomy", "tracking": "Tracking", "modeling": "Modeling"}


def _links() -> dict[str, dict[str, str]]:
    """LinkContext properties by link id (text is left out for icon links)."""
    links = {
        "github": {"href": GITHUB_URL, "text": "GitHub"},
        "objectiv-on-github": {"href": GITHUB_URL, "text": "Objectiv on GitHub"},
        "logo": {"href": "/"},
        "home": {"href": "/", "text": "Home"},
        "about": {"href": "/about", "text": "About us"},
        "blog": {"href": "/blog", "text": "Blog"},
        "jobs": {"href": "/jobs", "text": "Jobs"},
        "docs": {"href": "https://objectiv.io/docs/", "text": "Docs"},
        "website": {"href": "https://objectiv.io/", "text": "objectiv.io"},
        "privacy": {"href": "/privacy", "text": "Privacy"},
        "twitter": {"href": "https://twitter.com/objectiv_io"},
        "slack": {"href": "https://objectiv.io/join-slack", "text": "Join us on Slack"},
        "contact-us": {"href": "mailto:hi@objectiv.io", "text": "Contact us"},
        "share-twitter": {"href": "https://twitter.com/intent/tweet"},
        "open-notebook": {"href": "https://notebook.objectiv.io/", "text": "sandboxed notebook"},
        "learn-more": {"href": "/docs/taxonomy/reference", "text": "Learn more"},
        "cart": {"href": "/cart", "text": "Cart"},
        "continue-shopping": {"href": "/", "text": "Continue shopping"},
    }
    for page, title in DOCS_PAGES.items():
        links[page] = links.get(page) or {"href": f"/docs/{page}/", "text": title}
        for number in range(1, 4):
            links[f"{page}-{number}"] = {"href": f"/docs/{page}/section-{number}", "text": f"{title} {number}"}
    for slug, title in BLOG_POSTS.items():
        links[f"post-{slug}"] = {"href": f"/blog/{slug}", "text": title}
    for slug, title in VACANCIES.items():
        links[f"apply-{slug}"] = {"href": f"mailto:jobs@objectiv.io?subject={slug}", "text": f"Apply: {title}"}
    for slug, (name, _) in PRODUCTS.items():
        links[f"product-{slug}"] = {"href": f"/product/{slug}", "text": name}
    for number in range(1, 6):
        links[f"search-result-{number}"] = {"href": f"/docs/search?result={number}", "text": f"Result {number}"}
    return links


LINKS = _links()

StackKey = tuple[tuple[str, str], ...]


def _context(type_: str, id_: str, ancestry: list[str], **properties: object) -> str:
    return json.dumps({"_type": type_, "id": id_, **properties, "_types": ancestry})


def _location(kind: str, id_: str) -> str:
    type_, ancestry = LOCATION_TYPES[kind]
    return _context(type_, id_, ancestry, **(LINKS[id_] if kind == LINK else {}))


def _legacy_location(kind: str, id_: str) -> str:
    type_, ancestry = LEGACY_LOCATION_TYPES[kind]
    if kind == LINK:
        return _context(type_, LEGACY_LINK_IDS.get(id_, id_), ancestry, **LINKS[id_])
    if kind == PRESSABLE:
        return _context(type_, id_, ancestry, text=id_.replace("-", " ").capitalize())
    return _context(type_, id_, ancestry)


@dataclass(frozen=True)
class Stack:
    """A location stack serialized for both taxonomies (the legacy root depends on the page URL)."""

    json: str
    legacy_tail: str  # the elements after the WebDocumentContext, each preceded by ", "

    @classmethod
    def build(cls, key: StackKey) -> Stack:
        modern = "[" + ", ".join(_location(kind, id_) for kind, id_ in key) + "]"
        tail = "".join(", " + _legacy_location(kind, id_) for kind, id_ in key[1:])
        return cls(modern, tail)


class StackCache(dict):
    def __missing__(self, key: StackKey) -> Stack:
        stack = self[key] = Stack.build(key)
        return stack


def _global(type_: str, id_: str, **properties: object) -> str:
    return _context(type_, id_, GLOBAL_BASE + [type_], **properties)


SESSION_CONTEXT_OPENING = (
    '{{"_type": "SessionContext", "id": "{}", "_types": '
    + json.dumps(GLOBAL_BASE + ["SessionContext"])
    + ', "hit_number": '
)


UUID4_KEEP = ~(0xF000 << 64) & ~(0xC000 << 48)  # clears the version nibble and the variant bits
UUID4_SET = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant


def _uuid(rng: random.Random) -> str:
    """str(uuid.UUID(int=rng.getrandbits(128), version=4)), without the UUID object (3x faster)."""
    text = f"{rng.getrandbits(128) & UUID4_KEEP | UUID4_SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _headers(types: dict[str, tuple[str, list[str]]]) -> dict[str, list[str]]:
    """Per event key the line openings up to the id: canonical ancestry first, then all other orders."""
    headers = {}
    for key, (type_, ancestry) in types.items():
        orders = [list(ancestry + [type_]) if type_ not in ancestry else list(ancestry)]
        orders += [list(order) for order in permutations(orders[0]) if list(order) != orders[0]]
        headers[key] = [f'{{"_type": "{type_}", "_types": {json.dumps(order)}, "id": "' for order in orders]
    return headers


HEADERS = _headers(EVENT_TYPES)
LEGACY_HEADERS = _headers(LEGACY_EVENT_TYPES)

# ---------------------------------------------------------------------------------------------------
# Applications, users and traffic sources.
# ---------------------------------------------------------------------------------------------------

WEBSITE, DOCS, SHOP = "objectiv-website", "objectiv-docs", "objectiv-shop"
APP_BASE_URLS = {WEBSITE: "https://objectiv.io", DOCS: "https://objectiv.io/docs", SHOP: "https://shop.objectiv.io"}
ROOT_PATHS = {
    WEBSITE: {"home": "/", "about": "/about", "blog": "/blog", "jobs": "/jobs"},
    DOCS: {"home": "/", "taxonomy": "/taxonomy/", "tracking": "/tracking/", "modeling": "/modeling/"},
    SHOP: {"home": "/", "product": "/product/", "cart": "/cart", "checkout": "/checkout"},
}
APP_CONTEXTS = {app: _global("ApplicationContext", app) for app in ROOT_PATHS}
APP_WEIGHTS = ((WEBSITE, 0.45), (DOCS, 0.30), (SHOP, 0.25))
LANDING_WEIGHTS = {
    WEBSITE: (("home", 0.6), ("blog", 0.2), ("about", 0.1), ("jobs", 0.1)),
    DOCS: (("home", 0.4), ("taxonomy", 0.25), ("tracking", 0.2), ("modeling", 0.15)),
    SHOP: (("home", 0.55), ("product", 0.45)),
}

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.3 Safari/605.1.15"
    ),
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.3 Mobile/15E148 Safari/604.1"
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/122.0.6261.90 Mobile Safari/537.36"
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66"
    ),
)
REFERRERS = (
    ("", 0.40),
    ("https://www.google.com/", 0.25),
    ("https://news.ycombinator.com/", 0.08),
    ("https://github.com/", 0.08),
    ("https://www.reddit.com/", 0.05),
    ("https://twitter.com/", 0.04),
    ("https://www.linkedin.com/", 0.04),
    ("https://objectiv.io/", 0.06),
)
LOCALES = (("en", "US"), ("en", "GB"), ("nl", "NL"), ("de", "DE"), ("fr", "FR"), ("es", "ES"), ("pt", "BR"))
MARKETING_SHARE = 0.12  # sessions that came in through a campaign (all their events carry the context)
CAMPAIGNS = (  # the referrer the campaign comes with, and its MarketingContext properties (some left out)
    (
        "https://www.google.com/",
        {
            "source": "google",
            "medium": "cpc",
            "campaign": "spring-launch",
            "term": "product analytics",
            "content": "text-ad-1",
            "source_platform": "google-ads",
            "creative_format": "text",
            "marketing_tactic": "acquisition",
        },
    ),
    (
        "https://www.google.com/",
        {
            "source": "google",
            "medium": "cpc",
            "campaign": "spring-launch",
            "term": "open source analytics",
            "content": "text-ad-2",
        },
    ),
    (
        "https://www.linkedin.com/",
        {
            "source": "linkedin",
            "medium": "social",
            "campaign": "data-teams",
            "content": "carousel",
            "creative_format": "carousel",
        },
    ),
    ("https://twitter.com/", {"source": "twitter", "medium": "social", "campaign": "data-teams"}),
    ("", {"source": "newsletter", "medium": "email", "campaign": "march-newsletter", "term": "", "content": "header"}),
    (
        "https://news.ycombinator.com/",
        {
            "source": "hackernews",
            "medium": "referral",
            "campaign": "show-hn",
            "term": "dbt",
            "content": "post",
            "marketing_tactic": "awareness",
        },
    ),
)
MARKETING_CONTEXTS = [(referrer, ", " + _global("MarketingContext", "utm", **fields)) for referrer, fields in CAMPAIGNS]
FIRST_NAMES = ("jane", "john", "alex", "maria", "wei", "fatima", "lucas", "emma", "noah", "sofia", "omar", "yuki")
EMAIL_DOMAINS = ("example.com", "example.org", "mail.example.net")
# relative traffic per UTC hour (visitors from all time zones, peak in the European afternoon)
TRAFFIC_00_TO_11 = (0.45, 0.40, 0.35, 0.35, 0.40, 0.50, 0.65, 0.80, 0.95, 1.05, 1.10, 1.10)
TRAFFIC_12_TO_23 = (1.10, 1.15, 1.20, 1.20, 1.15, 1.10, 1.00, 0.95, 0.85, 0.75, 0.65, 0.55)
HOURLY_TRAFFIC = TRAFFIC_00_TO_11 + TRAFFIC_12_TO_23
WEEKEND_TRAFFIC = 0.6


HTTP_CONTEXT_TYPES = json.dumps(GLOBAL_BASE + ["HttpContext"])


def _http_context(referrer: str, user_agent: str, address: str | None) -> str:
    """The HttpContext, formatted directly: one per session, json.dumps of a dict was a hot spot."""
    address_part = "" if address is None else f', "remote_address": {_json_string(address)}'
    return (
        f'{{"_type": "HttpContext", "id": "http_context", "referrer": {_json_string(referrer)}, '
        f'"user_agent": {_json_string(user_agent)}{address_part}, "_types": {HTTP_CONTEXT_TYPES}}}'
    )


def _cumulative(weights: tuple[tuple[str, float], ...]) -> tuple[list[str], list[float]]:
    values = [value for value, _ in weights]
    totals = list(accumulate(weight for _, weight in weights))
    return values, [total / totals[-1] for total in totals]


def _pick(rng: random.Random, table: tuple[list[str], list[float]]) -> str:
    values, cumulative = table
    return values[min(bisect_right(cumulative, rng.random()), len(values) - 1)]


APP_TABLE = _cumulative(APP_WEIGHTS)
LANDING_TABLES = {app: _cumulative(weights) for app, weights in LANDING_WEIGHTS.items()}
REFERRER_TABLE = _cumulative(REFERRERS)


class Calendar:
    """Maps a fraction of the traffic (0..1) to a moment in the period, following the hourly pattern."""

    def __init__(self, start_ms: int, days: int, start: date) -> None:
        weights = []
        for day in range(days):
            weekend = (start + timedelta(days=day)).weekday() >= 5
            weights += [traffic * (WEEKEND_TRAFFIC if weekend else 1.0) for traffic in HOURLY_TRAFFIC]
        total = sum(weights)
        self.cumulative = [value / total for value in accumulate(weights)]
        self.start_ms = start_ms

    def fraction(self, moment: int) -> float:
        """The inverse of moment(): the share of the traffic before this moment."""
        offset = min(max(moment - self.start_ms, 0), len(self.cumulative) * HOUR_MS - 1)
        hour, within = divmod(offset, HOUR_MS)
        before = self.cumulative[hour - 1] if hour else 0.0
        return before + (self.cumulative[hour] - before) * within / HOUR_MS

    def moment(self, fraction: float) -> int:
        hour = min(bisect_right(self.cumulative, fraction), len(self.cumulative) - 1)
        before = self.cumulative[hour - 1] if hour else 0.0
        within = (fraction - before) / max(self.cumulative[hour] - before, 1e-12)
        return self.start_ms + hour * HOUR_MS + int(min(max(within, 0.0), 0.999999) * HOUR_MS)


# ---------------------------------------------------------------------------------------------------
# Users and sessions.
# ---------------------------------------------------------------------------------------------------


class User:
    """A cookie: its fixed contexts, its remaining sessions and when its identity changes."""

    __slots__ = (
        "address",
        "app",
        "change_at",
        "changes",
        "cookie",
        "cookie_context",
        "events",
        "gaps",
        "identity",
        "locale",
        "sessions",
        "started",
        "user_agent",
    )

    def __init__(
        self, cookie: str, user_agent: str, address: str, locale: str, app: str, sessions: list[int], gaps: list[int]
    ) -> None:
        self.cookie = cookie
        self.cookie_context = _global("CookieIdContext", cookie, cookie_id=cookie)
        self.user_agent = user_agent
        self.address = address
        self.locale = locale  # ", {LocaleContext}" or ""
        self.app = app  # the application this user mostly visits
        self.sessions = sessions  # event budget of each remaining session, the next one last
        self.gaps = gaps  # ms from a session's last event to the next session's start, the next one last
        self.started = 0  # sessions started so far
        self.events = 0  # events emitted so far
        self.identity = ""  # ", {IdentityContext}..." once identified
        self.changes: list[tuple[int, str]] = []  # (event number, identity suffix from then on), ascending
        self.change_at = 0  # event number of the next identity change (0: none)

    def plan_identity(self, changes: list[tuple[int, str]]) -> None:
        self.changes = sorted(changes, reverse=True)
        self.change_at = self.changes[-1][0] if self.changes else 0

    def count_event(self) -> None:
        self.events += 1
        if self.events == self.change_at:
            self.identity = self.changes.pop()[1]
            self.change_at = self.changes[-1][0] if self.changes else 0


Step = tuple[int, str, StackKey, str, str]  # (delay ms, event key, stack key, message part, extra global contexts)


class Session:
    """One visit: walks through an application and yields (time, line, event id) for its event budget."""

    def __init__(self, gen: EventGenerator, user: User, start_ms: int, budget: int) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.user = user
        self.t = start_ms
        self.budget = budget
        self.hits = 0
        rng = self.rng
        app = user.app if rng.random() < 0.7 else _pick(rng, APP_TABLE)
        self.first_of_user = user.started == 0
        self.legacy = app != SHOP and rng.random() < LEGACY_SESSION_SHARE
        self.marketing = ""
        referrer = _pick(rng, REFERRER_TABLE)
        if rng.random() < MARKETING_SHARE:
            referrer, self.marketing = MARKETING_CONTEXTS[int(rng.random() * len(MARKETING_CONTEXTS))]
        # the old tracker sent no remote_address
        self.http = _http_context(referrer, user.user_agent, None if self.legacy else user.address)
        self.session_context = SESSION_CONTEXT_OPENING.format(_uuid(rng))  # + hit number + "}"
        self.stream = self.events()
        self.app = self.root = self.url = self.prefix = ""
        self.goto(app, _pick(rng, LANDING_TABLES[app]))

    # -- navigation --------------------------------------------------------------------------------
    def goto(self, app: str, root: str, path: str | None = None) -> None:
        self.app, self.root = app, root
        if path is None:
            path = ROOT_PATHS[app][root]
            if app == SHOP and root == "product":
                path += self.choice(list(PRODUCTS))
        self.url = APP_BASE_URLS[app] + path
        if self.legacy:
            parts = [APP_CONTEXTS[app], self.http, self.user.cookie_context]
        else:
            path_context = self.gen.path_context(self.url)
            parts = [APP_CONTEXTS[app], self.http, path_context + self.marketing, self.user.cookie_context]
        self.prefix = ", ".join(parts)

    def product(self) -> str:
        return self.url.rsplit("/", 1)[-1] if self.root == "product" else self.choice(list(PRODUCTS))

    # -- randomness helpers ------------------------------------------------------------------------
    def choice(self, values: list[str] | tuple[str, ...]) -> str:
        return values[int(self.rng.random() * len(values))]

    def think(self) -> int:
        """Time before the user's next action: seconds to minutes, sometimes exactly the session gap."""
        rng = self.rng
        if rng.random() < 0.004:
            return SESSION_GAP_MS  # still the same session (strictly more than 30 minutes splits)
        return min(max(int(rng.lognormvariate(9.6, 1.3)), 250), SESSION_GAP_MS - 1)

    def soon(self, low: int = 150, high: int = 2500) -> int:
        return low + int(self.rng.random() * (high - low))

    def act(self, key: str, stack: StackKey, delay: int | None = None, message: str = "", extra: str = "") -> Step:
        """One event: its type key, location stack, delay after the previous event (default: think time),
        `message` (Success/FailureEvent) and extra global contexts (serialized, each preceded by ", ")."""
        message_part = f', "message": {_json_string(message)}' if message else ""
        return (self.think() if delay is None else delay), key, stack, message_part, extra

    def convert(self, stack: StackKey, delay: int | None = None) -> Step:
        """A press on a GitHub link: the conversion the analyses count (stats: current taxonomy only)."""
        self.gen.stats["conversions"] += not self.legacy
        return self.act("press", stack, delay)

    # -- the event stream --------------------------------------------------------------------------
    def events(self) -> Iterator[tuple[int, str, str]]:
        steps = self.steps()
        line = self.gen.line
        for number in range(self.budget):
            delay, key, stack, message, extra = next(steps)
            if number:
                self.t += delay  # the first event is at the session start, whatever the step's delay
            event_id = _uuid(self.rng)
            yield self.t, line(self, event_id, key, stack, message, extra), event_id

    def steps(self) -> Iterator[Step]:
        rng = self.rng
        if rng.random() < 0.015 and self.app != SHOP:  # straight to GitHub: a conversion as first event
            yield self.convert(((ROOT, self.root), (NAV, "navbar-top"), (LINK, "github")), 0)
        else:
            yield self.act("loaded", ((ROOT, self.root),), 0)
        if self.first_of_user and self.app == WEBSITE and rng.random() < 0.6:
            banner = ((ROOT, self.root), (OVERLAY, "cookie-banner"))
            yield self.act("visible", banner, self.soon())
            yield self.act("press", banner + ((PRESSABLE, "accept-cookies"),))
            yield self.act("hidden", banner, 0)
        walk = {WEBSITE: self.website, DOCS: self.docs, SHOP: self.shop}
        while True:
            yield from walk[self.app]()

    def switch_app(self, app: str, root: str) -> Iterator[Step]:
        self.goto(app, root)
        yield self.act("loaded", ((ROOT, root),), self.soon(300, 2500))

    # -- website -----------------------------------------------------------------------------------
    def website(self) -> Iterator[Step]:
        """One action on the website (a few events); navigation changes the page for the next one."""
        rng, root = self.rng, self.root
        r = rng.random()
        if r < 0.22:
            yield from self.navbar_link(root, ("github", "docs", "about", "blog", "jobs", "logo"))
        elif r < 0.32:
            yield from self.hamburger_menu(root)
        elif r < 0.37:
            footer = ((ROOT, root), (NAV, "footer"), (LINK, self.choice(("privacy", "twitter", "slack"))))
            yield self.act("press", footer)
        elif root == "home":
            yield from self.website_home()
        elif root == "about":
            if rng.random() < 0.6:
                person = self.choice(("alice", "bob", "carol", "dave"))
                member = ((ROOT, root), (CONTENT, "team"), (EXPANDABLE, person))
                yield self.act("press", member + ((PRESSABLE, "show-bio"),))
                yield self.act("visible", member, self.soon())
            else:
                yield self.act("press", ((ROOT, root), (CONTENT, "contact"), (LINK, "contact-us")))
        elif root == "blog":
            yield from self.blog()
        else:
            vacancy = self.choice(list(VACANCIES))
            opening = ((ROOT, root), (CONTENT, "vacancies"), (EXPANDABLE, f"vacancy-{vacancy}"))
            yield self.act("press", opening + ((PRESSABLE, "toggle"),))
            if rng.random() < 0.3:
                yield self.act("press", opening + ((CONTENT, "details"), (LINK, f"apply-{vacancy}")))

    def website_home(self) -> Iterator[Step]:
        rng, home = self.rng, ((ROOT, "home"),)
        r = rng.random()
        if r < 0.15:
            hero = home + ((CONTENT, "hero"), (LINK, "objectiv-on-github"))
            yield self.convert(hero)
        elif r < 0.35:
            yield self.act("press", home + ((CONTENT, "hero"), (PRESSABLE, "get-started")))
            yield from self.switch_app(DOCS, "home")
        elif r < 0.65:
            yield from self.media(home + ((CONTENT, "intro-video"), (MEDIA, "intro-video")))
        else:
            newsletter = home + ((CONTENT, "newsletter"),)
            yield self.act("input", newsletter + ((INPUT, "newsletter-email"),))
            yield self.act("press", newsletter + ((PRESSABLE, "subscribe"),))
            if rng.random() < 0.8:
                yield self.act("success", newsletter, self.soon(), message="subscribed")
            else:
                yield self.act("failure", newsletter, self.soon(), message="invalid email address")

    def blog(self) -> Iterator[Step]:
        post = self.url.rsplit("/", 1)[-1]
        if post not in BLOG_POSTS or self.rng.random() < 0.3:
            slug = self.choice(list(BLOG_POSTS))
            yield self.act("press", ((ROOT, "blog"), (CONTENT, "post-list"), (LINK, f"post-{slug}")))
            self.goto(WEBSITE, "blog", f"/blog/{slug}")
        elif self.rng.random() < 0.5:
            yield self.act("press", ((ROOT, "blog"), (CONTENT, f"post-{post}"), (LINK, "share-twitter")))
        else:
            comments = ((ROOT, "blog"), (CONTENT, f"post-{post}"), (EXPANDABLE, "comments"))
            yield self.act("visible", comments)
            yield self.act("input", comments + ((INPUT, "comment-text"),))

    def navbar_link(self, root: str, targets: tuple[str, ...]) -> Iterator[Step]:
        target = self.choice(targets)
        stack = ((ROOT, root), (NAV, "navbar-top"), (LINK, target))
        if target == "github":
            yield self.convert(stack)
            return
        yield self.act("press", stack)
        yield from self.follow(target)

    def hamburger_menu(self, root: str) -> Iterator[Step]:
        menu = ((ROOT, root), (NAV, "navbar-top"), (OVERLAY, "hamburger-menu"))
        yield self.act("visible", menu)
        if self.rng.random() < 0.3:  # the deepest stack: 6 elements
            target = self.choice(("about", "jobs", "blog"))
            link = menu + ((EXPANDABLE, "the-project"), (NAV, "project-menu"), (LINK, target))
        else:
            target = self.choice(("github", "docs", "about", "blog", "jobs", "home"))
            link = menu + ((LINK, target),)
        if target == "github":
            yield self.convert(link, self.soon(800, 6000))
        else:
            yield self.act("press", link, self.soon(800, 6000))
        yield self.act("hidden", menu, 0)  # same millisecond as the press that closed the menu
        yield from self.follow(target)

    def follow(self, target: str) -> Iterator[Step]:
        """Navigate after pressing a website/docs link with this id."""
        if target == "docs":
            yield from self.switch_app(DOCS, "home")
        elif target == "website":
            yield from self.switch_app(WEBSITE, "home")
        elif self.app == WEBSITE and target in ("about", "blog", "jobs", "home", "logo"):
            self.goto(WEBSITE, "home" if target == "logo" else target)
        elif self.app == DOCS and target in DOCS_PAGES:
            self.goto(DOCS, target)
        elif self.app == DOCS and target == "logo":
            self.goto(DOCS, "home")

    def media(self, player: StackKey) -> Iterator[Step]:
        yield self.act("media_load", player)
        yield self.act("media_start", player, self.soon(500, 4000))
        if self.rng.random() < 0.4:
            yield self.act("media_pause", player)
            if self.rng.random() < 0.5:
                yield self.act("media_start", player)
        yield self.act("media_stop", player)

    # -- docs --------------------------------------------------------------------------------------
    def docs(self) -> Iterator[Step]:
        rng, root = self.rng, self.root
        r = rng.random()
        if r < 0.18:
            yield from self.navbar_link(root, ("github", "github", "website", "logo"))
        elif r < 0.40:
            target = self.choice(list(DOCS_PAGES))
            if rng.random() < 0.5:
                link = ((ROOT, root), (NAV, "docs-sidebar"), (LINK, target))
            else:
                link = (
                    (ROOT, root),
                    (NAV, "docs-sidebar"),
                    (EXPANDABLE, target),
                    (LINK, f"{target}-{rng.randint(1, 3)}"),
                )
            yield self.act("press", link)
            self.goto(DOCS, target)
        elif r < 0.55:
            yield from self.docs_search(root)
        elif root == "taxonomy":
            yield self.act("press", ((ROOT, root), (CONTENT, "location-stack"), (LINK, "learn-more")))
        elif root == "tracking" and rng.random() < 0.5:
            yield from self.media(((ROOT, root), (CONTENT, "tutorial"), (MEDIA, "tutorial-video")))
        elif root == "modeling":
            yield self.act("press", ((ROOT, root), (CONTENT, "notebook"), (LINK, "open-notebook")))
        else:
            yield self.act("press", ((ROOT, root), (CONTENT, "code-example"), (PRESSABLE, "copy-code")))

    def docs_search(self, root: str) -> Iterator[Step]:
        search = ((ROOT, root), (NAV, "navbar-top"), (OVERLAY, "search"))
        yield self.act("visible", search)
        yield self.act("input", search + ((INPUT, "search-query"),), self.soon(1000, 8000))
        if self.rng.random() < 0.7:
            yield self.act(
                "press", search + ((LINK, f"search-result-{self.rng.randint(1, 5)}"),), self.soon(1000, 8000)
            )
            yield self.act("hidden", search, 0)
            self.goto(DOCS, self.choice(list(DOCS_PAGES)))
        else:
            yield self.act("hidden", search)

    # -- shop --------------------------------------------------------------------------------------
    def shop(self) -> Iterator[Step]:
        """The order flow: home -> product -> add-to-cart -> cart -> checkout -> order placed (or failed)."""
        cart: list[int] = []
        while True:
            root = self.root
            if root == "home":
                yield from self.shop_home(cart)
            elif root == "product":
                yield from self.shop_product(cart)
            elif root == "cart":
                yield from self.shop_cart(cart)
            else:
                yield from self.shop_checkout(cart)

    def shop_link(self, root: str, target: str) -> Step:
        return self.act("press", ((ROOT, root), (NAV, "navbar-top"), (LINK, target)))

    def shop_home(self, cart: list[int]) -> Iterator[Step]:
        r = self.rng.random()
        if r < 0.65:
            slug = self.choice(list(PRODUCTS))
            yield self.act("press", ((ROOT, "home"), (CONTENT, "featured-products"), (LINK, f"product-{slug}")))
            self.goto(SHOP, "product", f"/product/{slug}")
        elif r < 0.8:
            yield self.act("visible", ((ROOT, "home"), (CONTENT, "promo-banner")))
        elif cart:
            yield self.shop_link("home", "cart")
            self.goto(SHOP, "cart")
        else:
            yield self.act("input", ((ROOT, "home"), (NAV, "navbar-top"), (INPUT, "search-products")))

    def shop_product(self, cart: list[int]) -> Iterator[Step]:
        rng, slug = self.rng, self.product()
        detail = ((ROOT, "product"), (CONTENT, "product-detail"))
        r = rng.random()
        if r < 0.4:
            quantity = 1 if rng.random() < 0.8 else rng.randint(2, 4)
            yield self.act("press", detail + ((PRESSABLE, "add-to-cart"),))
            cart.append(PRODUCTS[slug][1] * quantity)
        elif r < 0.5:
            value = self.gen.input_value("quantity", str(rng.randint(1, 4)))
            yield self.act("input", detail + ((INPUT, "quantity"),), extra=value)
        elif r < 0.6:
            yield self.act("press", detail + ((EXPANDABLE, "reviews"), (PRESSABLE, "show-reviews")))
        elif r < 0.8:
            other = self.choice(list(PRODUCTS))
            yield self.act("press", ((ROOT, "product"), (CONTENT, "related-products"), (LINK, f"product-{other}")))
            self.goto(SHOP, "product", f"/product/{other}")
        elif cart:
            yield self.shop_link("product", "cart")
            self.goto(SHOP, "cart")
        else:
            yield self.shop_link("product", "logo")
            self.goto(SHOP, "home")

    def shop_cart(self, cart: list[int]) -> Iterator[Step]:
        r = self.rng.random()
        summary = ((ROOT, "cart"), (CONTENT, "cart-summary"))
        if cart and r < 0.65:
            yield self.act("press", summary + ((PRESSABLE, "checkout"),))
            self.goto(SHOP, "checkout")
        elif cart and r < 0.75:
            yield self.act("press", ((ROOT, "cart"), (CONTENT, "cart-items"), (PRESSABLE, "remove-item")))
            cart.pop()
        else:
            yield self.act("press", summary + ((LINK, "continue-shopping"),))
            self.goto(SHOP, "home")

    def shop_checkout(self, cart: list[int]) -> Iterator[Step]:
        rng = self.rng
        if not cart:
            yield self.shop_link("checkout", "logo")
            self.goto(SHOP, "home")
            return
        form = ((ROOT, "checkout"), (CONTENT, "shipping-form"))
        for field in ("email", "street", "city", "postal-code")[: rng.randint(1, 4)]:
            yield self.act("input", form + ((INPUT, field),))
        yield self.act("press", ((ROOT, "checkout"), (CONTENT, "payment"), (PRESSABLE, "place-order")))
        order = ((ROOT, "checkout"), (CONTENT, "order-summary"))
        cents = sum(cart)
        if rng.random() < 0.85:
            total = self.gen.input_value("order_total", f"{cents // 100}.{cents % 100:02d}")
            self.gen.stats["orders"] += 1
            yield self.act("success", order, self.soon(800, 4000), message="order placed", extra=total)
            cart.clear()
        else:
            yield self.act("failure", order, self.soon(800, 4000), message="payment declined")


# ---------------------------------------------------------------------------------------------------
# The generator: users, the time-ordered merge, late and bad lines.
# ---------------------------------------------------------------------------------------------------

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
                line = self.bad_line(kind, last, written_ids)
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

    # -- bad lines ---------------------------------------------------------------------------------
    def bad_line(self, kind: str, last: tuple[int, str, str], written_ids: deque[str]) -> str:
        """A broken variant of the latest good event (so it sits at a plausible time and user)."""
        rng = self.rng
        _, line, last_id = last
        if kind == "not_json":
            return line[: len(line) // 2]
        if kind == "not_object":
            return NOT_OBJECTS[int(rng.random() * len(NOT_OBJECTS))]
        row = json.loads(line)
        event = row["value"] if self.collector else row
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
        if self.collector:
            row["event_id"] = event_id
        self.break_event(kind, row, event)
        return json.dumps(row)

    def break_event(self, kind: str, row: dict, event: dict) -> None:
        rng = self.rng
        time_key = "moment" if self.collector else "time"
        if kind == "missing_time":
            del row[time_key]
        elif kind == "garbled_time":
            row[time_key] = GARBLED_TIMES[int(rng.random() * len(GARBLED_TIMES))]
        elif kind == "missing_cookie":
            if self.collector:
                del row["cookie_id"]
            else:
                event["global_contexts"] = [c for c in event["global_contexts"] if c.get("_type") != "CookieIdContext"]
        elif kind == "cookie_not_uuid":
            value = NOT_UUIDS[int(rng.random() * len(NOT_UUIDS))]
            for context in event["global_contexts"]:
                if context.get("_type") == "CookieIdContext":
                    context["id"] = context["cookie_id"] = value
            if self.collector:
                row["cookie_id"] = value
        elif kind == "missing_type":
            del event["_type"]
        elif kind == "empty_location_stack":
            event["location_stack"] = []
        elif kind == "location_stack_not_array":
            stack = event["location_stack"]
            event["location_stack"] = stack[0] if rng.random() < 0.5 else json.dumps(stack)


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


# ---------------------------------------------------------------------------------------------------
# Output.
# ---------------------------------------------------------------------------------------------------

CHUNK_LINES = 2000
PROGRESS_LINES = 100_000


# Compression runs in a second process (the machine has two cores): a thread would fight the
# generator for the GIL. mtime=0 and no file name in the header keep the bytes identical across runs.
# Level 3 takes less than half the CPU of level 6 (7 s instead of 16 s for 1M events) for a file
# about a third larger (125 MB instead of 91 MB).
GZIP_LEVEL = 3
GZIP_WORKER = """
import gzip, shutil, sys
with open(sys.argv[1], "wb") as raw:
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=int(sys.argv[2]), mtime=0) as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
"""


@contextmanager
def _output(path: Path) -> Iterator[IO[bytes]]:
    """The file to write the lines to; for a .gz path, the input of a compressing child process."""
    if path.suffix != ".gz":
        with open(path, "wb") as handle:
            yield handle
        return
    worker = subprocess.Popen([sys.executable, "-c", GZIP_WORKER, str(path), str(GZIP_LEVEL)], stdin=subprocess.PIPE)
    try:
        yield worker.stdin
    finally:
        worker.stdin.close()
        code = worker.wait()
    if code:
        raise RuntimeError(f"gzip worker for {path} failed with exit code {code}")


def write_events(
    path: str | Path,
    events: int,
    seed: int,
    fmt: str = "tracker",
    start: date = DEFAULT_START,
    days: int = 30,
    bad_share: float = 0.003,
    progress: bool = False,
) -> dict:
    """Write the lines of generate_lines() to `path` (gzip if it ends in .gz); return the stats.

    With progress=True, prints a line to stderr every 100,000 lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stats: dict = {}
    began = time.perf_counter()
    lines = generate_lines(events, seed, fmt, start, days, bad_share, stats)  # checks the arguments
    with _output(path) as handle:
        chunk: list[str] = []
        for number, line in enumerate(lines, 1):
            chunk.append(line)
            if len(chunk) == CHUNK_LINES:
                handle.write(("\n".join(chunk) + "\n").encode())
                chunk = []
            if progress and number % PROGRESS_LINES == 0:
                print(f"  {number:,} / {events:,} lines ({time.perf_counter() - began:.1f} s)", file=sys.stderr)
        if chunk:
            handle.write(("\n".join(chunk) + "\n").encode())
    stats["seconds"] = round(time.perf_counter() - began, 2)
    return stats


def summary(path: str | Path, stats: dict) -> str:
    bad = ", ".join(f"{kind} {count}" for kind, count in stats["bad"].items())
    return (
        f"wrote {stats['lines']:,} lines to {path} in {stats['seconds']:.1f} s: {stats['events']:,} events of "
        f"{stats['users']:,} users in {stats['sessions']:,} sessions ({stats['late']:,} written late, "
        f"{stats['legacy_events']:,} in the older taxonomy, {stats['conversions']:,} GitHub conversions, "
        f"{stats['orders']:,} orders); {sum(stats['bad'].values()):,} bad lines: {bad}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m objectiv_dbt.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, required=True, help="number of lines to write (bad lines included)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="random seed (default 42): same arguments, same bytes"
    )
    parser.add_argument("--out", required=True, help="output file; gzip-compressed if it ends in .gz")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="tracker",
        help="tracker: raw tracker events; collector: rows of the collector table",
    )
    parser.add_argument(
        "--start", type=date.fromisoformat, default=DEFAULT_START, help="first day, UTC (default 2024-03-01)"
    )
    parser.add_argument("--days", type=int, default=30, help="length of the period in days (default 30)")
    parser.add_argument(
        "--bad-share", type=float, default=0.003, help="share of deliberately broken lines (default 0.003)"
    )
    args = parser.parse_args(argv)
    try:
        EventGenerator(args.events, args.seed, args.format, args.start, args.days, args.bad_share)
    except ValueError as error:
        parser.error(str(error))
    progress = args.events >= 2 * PROGRESS_LINES
    stats = write_events(
        args.out, args.events, args.seed, args.format, args.start, args.days, args.bad_share, progress=progress
    )
    print(summary(args.out, stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
