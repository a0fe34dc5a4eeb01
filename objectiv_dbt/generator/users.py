"""Applications, traffic sources and their weights, the traffic calendar, and the User (a cookie)."""

from __future__ import annotations

import json
import random
from bisect import bisect_right
from datetime import date, timedelta
from itertools import accumulate
from json.encoder import encode_basestring_ascii as _json_string

from objectiv_dbt.generator.parameters import HOUR_MS
from objectiv_dbt.generator.taxonomy import GLOBAL_BASE, _global

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
