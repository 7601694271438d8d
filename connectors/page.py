"""A listing page (a blog index, a news section): its article links on the same site are the entries.

The pipeline fetches only the links not stored yet; the listing itself is fetched conditionally.
"""

from __future__ import annotations

import re
from typing import Any

from chipwatch.config import SourceConfig
from chipwatch.connectors.base import Entry, FetchResult
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.htmllinks import article_links
from chipwatch.connectors.http import HttpClient

MAX_LINKS = 200  # a listing with more is a site map or a trap; the first ones are the newest


class PageConnector:
    def fetch(self, source: SourceConfig, state: dict[str, Any], client: HttpClient) -> FetchResult:
        assert source.url is not None
        if source.robots:
            client.robots.check(source.url)
        resp = client.get(
            source.url,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            max_bytes=source.max_bytes,
            accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        )
        if resp.status == 304:
            return FetchResult(entries=[], state=state, not_modified=True)
        pattern = re.compile(source.links) if source.links else None
        links = article_links(resp.content, resp.content_type, resp.url, pattern)
        if not links and b"<" not in resp.content[:4096]:
            raise FetchError(f"{resp.url} is not an HTML page (Content-Type {resp.content_type or 'missing'})")
        entries = [
            Entry(url=link.url, title=link.text or None)
            for link in links[:MAX_LINKS]
            if not source.robots or client.robots.allowed(link.url)
        ]
        return FetchResult(entries=entries, state=validators(resp.headers))


def validators(headers: dict[str, str]) -> dict[str, Any]:
    """The ETag and Last-Modified to send back next time (only those the server gave)."""
    return {k: v for k, v in (("etag", headers.get("etag")), ("last_modified", headers.get("last-modified"))) if v}
