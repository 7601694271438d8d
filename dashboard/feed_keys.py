"""Read-only keys for the feeds, so a feed reader can subscribe when the dashboard needs a token.

A feed reader (Miniflux, FreshRSS, curl in a cron job) cannot follow the token swap to a cookie. Each feed
gets its own key, derived from the dashboard token (HMAC-SHA256 over the feed's path): no new secret to
store, and changing the token revokes every key. A key opens GET and HEAD of its own path and nothing else:
the Atom subscription cannot read the CSV export or the JSON API, nor post an alert retry.

A reader presents it as `?key=KEY` in the feed URL, or as the password of HTTP Basic auth (any user name).
The claims page shows both feed links with their keys to whoever holds the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

FEED_PATHS = ("/feeds/claims.atom", "/export/claims.csv")
KEY_PARAM = "key"
_READ_METHODS = frozenset({"GET", "HEAD"})


class FeedKeys:
    """The key of each feed path under one dashboard token."""

    def __init__(self, token: str) -> None:
        self._keys = {path: _derive(token, path) for path in FEED_PATHS}

    def key_for(self, path: str) -> str | None:
        """The key of a feed path; None for any other path."""
        return self._keys.get(path)

    def admits(self, method: str, path: str, presented: Iterable[str | None]) -> bool:
        """True when one of the presented secrets is the key of `path` and the request only reads."""
        key = self._keys.get(path)
        if key is None or method not in _READ_METHODS:
            return False
        return any(given is not None and hmac.compare_digest(given.encode(), key.encode()) for given in presented)


def _derive(token: str, path: str) -> str:
    digest = hmac.new(token.encode(), b"chipwatch feed key\x00" + path.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()  # 192 bits, 32 URL-safe characters
