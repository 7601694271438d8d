"""An Atom 1.0 feed (RFC 4287) of claims, built with ElementTree so every text is XML-escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from chipwatch.dashboard.links import safe_href
from chipwatch.storage.claim_context import ClaimInContext

ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 forbids even when escaped; scraped text does contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _stamp(value: datetime | None) -> str:
    return (value or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = _text(text)
    return el


def claims_feed(rows: Sequence[ClaimInContext], *, title: str, self_url: str, site_url: str) -> bytes:
    """The feed document: one entry per claim, newest first; the entry links to the article."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", f"{site_url.rstrip('/')}/feeds/claims.atom")
    _sub(feed, "title", title)
    _sub(feed, "updated", _stamp(max((r.claim.created_at for r in rows), default=None)))
    _sub(_sub(feed, "author"), "name", "chipwatch")
    _sub(feed, "link", rel="self", href=_text(self_url), type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=_text(site_url), type="text/html")
    _sub(feed, "generator", "chipwatch")
    for row in rows:
        c = row.claim
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{site_url.rstrip('/')}/claims/{c.id}")
        headline = c.text if len(c.text) <= 140 else c.text[:139] + "…"
        _sub(entry, "title", headline)
        _sub(entry, "updated", _stamp(c.created_at))
        if row.published:
            _sub(entry, "published", _stamp(row.published))
        href = safe_href(row.article_url) or f"{site_url.rstrip('/')}/articles/{c.article_id}"
        _sub(entry, "link", rel="alternate", href=_text(href))
        for entity in c.entities:
            _sub(entry, "category", term=_text(entity))
        details = [
            c.text,
            "",
            f"stance: {c.stance}, score: {c.score:.2f}",
            f"entities: {', '.join(c.entities) or '-'}; topics: {', '.join(c.topics) or '-'}",
            f"quantities: {', '.join(q.get('text', '') for q in c.quantities) or '-'}",
            f"why: {'; '.join(c.why) or '-'}",
            f"source: {row.source} — {row.article_title or row.article_url}",
        ]
        _sub(entry, "content", "\n".join(details), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
