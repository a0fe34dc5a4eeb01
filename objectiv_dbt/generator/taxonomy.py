"""Taxonomy: event types and contexts, serialized once; seeded uuids."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from itertools import permutations

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
