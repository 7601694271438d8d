"""RSS and Atom feeds: conditional GET through the shared client, parsing by feedparser from bytes."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from chipwatch.connectors.base import Entry, FetchResult
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.http import HttpClient, Response
from chipwatch.settings import SourceConfig


class FeedConnector:
    """Lists the entries of a feed; article pages are fetched later, only for new entries."""

    def fetch(self, source: SourceConfig, state: dict[str, Any], client: HttpClient) -> FetchResult:
        assert source.url is not None
        resp = client.get(
            source.url,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            max_bytes=source.max_bytes,
        )
        if resp.status == 304:
            return FetchResult(entries=[], state=state, not_modified=True)
        entries = parse_feed(resp)
        next_state = {
            k: v
            for k, v in (
                ("etag", resp.headers.get("etag")),
                ("last_modified", resp.headers.get("last-modified")),
            )
            if v
        }
        return FetchResult(entries=entries, state=next_state)


def parse_feed(resp: Response) -> list[Entry]:
    """Entries of a feed body. A body that is not a feed at all raises FetchError; a feed with
    recoverable XML errors (feedparser's `bozo`) still yields what it could read."""
    parsed = feedparser.parse(resp.content, response_headers=dict(resp.headers))
    if parsed.bozo and not parsed.entries:
        reason = str(getattr(parsed, "bozo_exception", "unknown error")).splitlines()[0][:200]
        raise FetchError(f"not a readable feed at {resp.url}: {reason}")
    if not parsed.get("version") and not parsed.entries:
        raise FetchError(f"not a feed at {resp.url} (no RSS or Atom root element)")
    out: list[Entry] = []
    for item in parsed.entries:
        link = item.get("link")
        # feedparser turns a permalink-less <guid> into `link`; only real http(s) URLs can be fetched and cited.
        if not link or urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).netloc:
            continue
        out.append(
            Entry(
                url=link,
                guid=item.get("id") or link,
                title=(item.get("title") or "").strip() or None,
                published=_entry_time(item),
            )
        )
    return out


def _entry_time(item: Any) -> datetime | None:
    # feedparser gives a UTC struct_time; timegm keeps it UTC.
    for key in ("published_parsed", "updated_parsed"):
        value = item.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None
