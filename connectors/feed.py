"""RSS, Atom and JSON Feed: conditional GET through the shared client; RSS/Atom parsed by feedparser
from bytes, JSON Feed (which feedparser 6 does not read) by `jsonfeed.py`."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from chipwatch.config import SourceConfig
from chipwatch.connectors.base import Entry, FetchResult
from chipwatch.connectors.charset import header_contradicts_body
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.feedtext import entry_text, pageless_key
from chipwatch.connectors.http import HttpClient, Response
from chipwatch.connectors.jsonfeed import is_json_feed, parse_json_feed
from chipwatch.connectors.page import validators
from chipwatch.connectors.websub import discover, hub_state

_ACCEPT = (
    "application/atom+xml,application/rss+xml,application/feed+json;q=0.9,application/xml;q=0.8,"
    "text/xml;q=0.7,application/json;q=0.6,*/*;q=0.3"
)
_HTML_ROOT = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)


class FeedConnector:
    """Lists the entries of a feed; article pages are fetched later, only for new entries."""

    def fetch(self, source: SourceConfig, state: dict[str, Any], client: HttpClient) -> FetchResult:
        assert source.url is not None
        resp = client.get(
            source.url,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            max_bytes=source.max_bytes,
            accept=_ACCEPT,
        )
        if resp.status == 304:
            return FetchResult(entries=[], state=state, not_modified=True)
        if is_json_feed(resp):
            entries, links = parse_json_feed(resp.content, resp.url), []
        else:
            entries, links = parse_feed_and_links(resp)
        # The WebSub hub it names (if any) rides along in the state, for pipeline.websub to subscribe.
        hub = hub_state(discover(resp.headers, links, source.url))
        return FetchResult(entries=entries, state={**validators(resp.headers), **hub})


def parse_feed(resp: Response) -> list[Entry]:
    """Entries of an RSS/Atom body. A body that is not a feed at all raises FetchError; a feed with
    recoverable XML errors (feedparser's `bozo`) still yields what it could read."""
    return parse_feed_and_links(resp)[0]


def parse_feed_and_links(resp: Response) -> tuple[list[Entry], list[dict[str, str]]]:
    """parse_feed, plus the feed-level links (`rel`, `href`), where a WebSub hub is announced."""
    if _HTML_ROOT.match(resp.content[:4096]):
        raise FetchError(f"not a feed at {resp.url}: it is an HTML page; point `url:` at the site's RSS/Atom feed")
    headers = dict(resp.headers)
    if header_contradicts_body(resp.content, resp.content_type):
        # The header's charset cannot be right: let the BOM or XML declaration decide instead.
        headers["content-type"] = "application/xml"
    parsed = feedparser.parse(resp.content, response_headers=headers)
    if parsed.bozo and not parsed.entries:
        reason = str(getattr(parsed, "bozo_exception", "unknown error")).splitlines()[0][:200]
        raise FetchError(f"not a readable feed at {resp.url}: {reason}")
    if not parsed.get("version") and not parsed.entries:
        raise FetchError(f"not a feed at {resp.url} (no RSS or Atom root element)")
    out: list[Entry] = []
    for item in parsed.entries:
        out.append(_entry(item, resp.url))
    links = [dict(link) for link in parsed.feed.get("links", []) if isinstance(link, dict)]
    return out, links


def _entry(item: Any, feed_url: str) -> Entry:
    """One feed entry with the feed's own text. An entry without an http(s) link (feedparser turns a
    permalink-less <guid> into `link`) has no page to fetch: it is stored under a key of its own."""
    link = item.get("link")
    if link and link.startswith("/"):  # a root-relative link: on the feed's site (a bare word is a guid)
        link = urljoin(feed_url, link)
    title = (item.get("title") or "").strip() or None
    summary = entry_text(item)
    published = _entry_time(item)
    if link and urlsplit(link).scheme in ("http", "https") and urlsplit(link).netloc:
        return Entry(
            url=link,
            guid=item.get("id") or link,
            title=title,
            published=published,
            updated=_explicit_update(item),
            summary=summary,
        )
    fallback = f"{title}\0{item.get('published') or item.get('updated')}\0{summary}"
    key = pageless_key(feed_url, item.get("id"), fallback)
    return Entry(url=feed_url, guid=item.get("id") or key, title=title, published=published, summary=summary, key=key)


def _explicit_update(item: Any) -> datetime | None:
    # feedparser's `updated_parsed` falls back to the publication date; only a real <updated> counts.
    if "updated" in item and item.get("updated_parsed"):
        return datetime.fromtimestamp(calendar.timegm(item["updated_parsed"]), tz=UTC)
    return None


def _entry_time(item: Any) -> datetime | None:
    # feedparser gives a UTC struct_time; timegm keeps it UTC.
    for key in ("published_parsed", "updated_parsed"):
        value = item.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None
