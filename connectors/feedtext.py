"""A feed entry's own text (summary or content) as plain text: what is stored and analysed when the
entry's page cannot be fetched, and all there is when the entry has no page."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import lxml.html
from lxml.etree import ParserError

_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr|/blockquote|/pre)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")


def entry_text(item: Any) -> str | None:
    """The longest of the entry's content blocks and its summary, as plain text (None when empty)."""
    blocks = [c for c in item.get("content") or [] if c.get("value")]
    if item.get("summary_detail") and item["summary_detail"].get("value"):
        blocks.append(item["summary_detail"])
    best = ""
    for block in blocks:
        value = block["value"]
        text = html_to_text(value) if "html" in (block.get("type") or "") else value
        text = _tidy(text)
        if len(text) > len(best):
            best = text
    return best or None


def html_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment (feedparser has sanitised it already), one line per block."""
    marked = _BREAKS.sub(lambda m: m.group(0) + "\n", fragment)
    try:
        root = lxml.html.fragment_fromstring(marked, create_parent="div")
        return str(root.text_content())
    except (ParserError, ValueError):
        return _TAGS.sub(" ", marked)


def document_text(title: str | None, summary: str | None) -> str | None:
    """The text stored for an entry whose page is not (yet) fetched: its title, then its summary."""
    parts = [p for p in (title, summary) if p]
    if summary and title and summary.startswith(title):
        parts = [summary]
    return "\n\n".join(parts) or None


def pageless_key(feed_url: str, item_id: str | None, fallback: str) -> str:
    """A stable storage key for an entry with no http(s) link: the feed's URL plus its id (or, without
    one, its title, date and text), so the same entry polled again maps to the same row."""
    seed = f"{feed_url}\0{item_id or fallback}".encode()
    return f"urn:chipwatch:entry:{hashlib.sha256(seed).hexdigest()[:32]}"


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return _LINES.sub("\n\n", "\n".join(lines)).strip()
