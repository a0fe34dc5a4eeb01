"""One visit: a Session walks through the website, docs or shop and yields its events."""

from __future__ import annotations

from collections.abc import Iterator
from json.encoder import encode_basestring_ascii as _json_string
from typing import TYPE_CHECKING

from objectiv_dbt.generator.parameters import SESSION_GAP_MS
from objectiv_dbt.generator.taxonomy import (
    BLOG_POSTS,
    CONTENT,
    DOCS_PAGES,
    EXPANDABLE,
    INPUT,
    LEGACY_SESSION_SHARE,
    LINK,
    MEDIA,
    NAV,
    OVERLAY,
    PRESSABLE,
    PRODUCTS,
    ROOT,
    SESSION_CONTEXT_OPENING,
    VACANCIES,
    StackKey,
    _uuid,
)
from objectiv_dbt.generator.users import (
    APP_BASE_URLS,
    APP_CONTEXTS,
    APP_TABLE,
    DOCS,
    LANDING_TABLES,
    MARKETING_CONTEXTS,
    MARKETING_SHARE,
    REFERRER_TABLE,
    ROOT_PATHS,
    SHOP,
    WEBSITE,
    User,
    _http_context,
    _pick,
)

if TYPE_CHECKING:
    from objectiv_dbt.generator.events import EventGenerator

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
