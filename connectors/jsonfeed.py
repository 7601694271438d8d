"""JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1): items with id, url, title, date_published."""

from __future__ import annotations

import json
from urllib.parse import urljoin, urlsplit

from chipwatch.connectors.base import Entry
from chipwatch.connectors.dates import parse_iso_utc
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.feedtext import html_to_text
from chipwatch.connectors.http import Response

_VERSION_PREFIX = "https://jsonfeed.org/version/"


def is_json_feed(resp: Response) -> bool:
    ctype = (resp.content_type or "").split(";")[0].strip().lower()
    head = resp.content[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return ctype in ("application/feed+json", "application/json") or head.startswith(b"{")


def parse_json_feed(data: bytes, url: str) -> list[Entry]:
    try:
        doc = json.loads(data)  # json detects UTF-8/16/32 from the bytes (RFC 8259)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(f"not a readable JSON Feed at {url}: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(_VERSION_PREFIX):
        raise FetchError(f"not a JSON Feed at {url} (no `version: {_VERSION_PREFIX}1.1`)")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FetchError(f"JSON Feed at {url} has no `items` list")
    out: list[Entry] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str):
            continue
        link = urljoin(url, link.strip())
        if urlsplit(link).scheme not in ("http", "https"):
            continue
        title = item.get("title")
        guid = item.get("id")
        out.append(
            Entry(
                url=link,
                guid=str(guid) if guid not in (None, "") else link,
                title=title.strip() or None if isinstance(title, str) else None,
                published=parse_iso_utc(item.get("date_published") or item.get("date_modified")),
                updated=parse_iso_utc(item.get("date_modified")),
                summary=_text(item),
            )
        )
    return out


def _text(item: dict) -> str | None:
    """The item's own text: content_text, else content_html as text, else its summary."""
    for key, is_html in (("content_text", False), ("content_html", True), ("summary", False)):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return (html_to_text(value) if is_html else value).strip() or None
    return None
