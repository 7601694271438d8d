"""robots.txt, fetched once per site and cycle through the fetch function the client hands in, parsed by protego.

RFC 9309: a robots.txt that is missing (4xx) allows everything; one that cannot be read
(5xx, timeout) disallows everything for now, so an overloaded site is left alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from protego import Protego

from chipwatch.connectors.errors import FetchError, RetryLater, RobotsDisallowed

_HTTP_STATUS = "HTTP "


class RobotsCache:
    """`fetch(url)` returns a robots.txt body or raises FetchError; `slow_down(host, seconds)` applies a
    Crawl-delay to the politeness gate; `agent` is the product token rules are matched against."""

    def __init__(
        self, fetch: Callable[[str], bytes], agent: str, slow_down: Callable[[str, float], None] | None = None
    ) -> None:
        self._fetch = fetch
        self._agent = agent
        self._slow_down = slow_down
        self._rules: dict[str, Protego | bool] = {}  # origin -> parsed rules, True (allow all), False (deny all)
        self._lock = threading.Lock()

    def allowed(self, url: str) -> bool:
        rules = self._rules_for(url)
        if isinstance(rules, bool):
            return rules
        return bool(rules.can_fetch(url, self._agent))

    def check(self, url: str) -> None:
        """Raise RobotsDisallowed when robots.txt forbids `url` for our user agent; apply its
        Crawl-delay to the host gate."""
        delay = self.crawl_delay(url)
        if delay and self._slow_down is not None:
            self._slow_down(urlsplit(url).hostname or "", delay)
        if not self.allowed(url):
            parts = urlsplit(url)
            raise RobotsDisallowed(
                f"robots.txt of {parts.netloc} disallows {parts.path or '/'}; "
                "set `robots: false` on the source only if the site owner agrees"
            )

    def crawl_delay(self, url: str) -> float | None:
        rules = self._rules_for(url)
        if isinstance(rules, bool):
            return None
        delay = rules.crawl_delay(self._agent)
        return float(delay) if delay is not None else None

    def _rules_for(self, url: str) -> Protego | bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._rules:
                return self._rules[origin]
        rules: Protego | bool
        try:
            rules = Protego.parse(self._fetch(f"{origin}/robots.txt").decode("utf-8", errors="replace"))
        except FetchError as exc:
            text = str(exc)
            # A missing robots.txt (404, 410, 401, 403 ...) means no restrictions.
            rules = not isinstance(exc, RetryLater) and text.startswith(_HTTP_STATUS) and text[5:6] == "4"
        with self._lock:
            self._rules[origin] = rules
        return rules
