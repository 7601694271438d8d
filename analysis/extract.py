"""Article text from fetched bytes: trafilatura for HTML, decoding for plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import trafilatura
from lxml import etree
from trafilatura.utils import decode_file, load_html

from chipwatch.analysis.decode import decode_text
from chipwatch.analysis.deep_html import PARSER_DEPTH, flatten_deep_html, may_be_too_deep

# Fewer visible characters than this after extraction is page furniture (a menu, a footer), not an article.
MIN_ARTICLE_CHARS = 20
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|article|p|div)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str | None = None
    published: datetime | None = None


class NoArticleError(ValueError):
    """The document holds no article text."""


def is_html(data: bytes, content_type: str | None = None) -> bool:
    if content_type:
        ctype = content_type.split(";")[0].strip().lower()
        if ctype in ("text/html", "application/xhtml+xml"):
            return True
        if ctype == "text/plain":
            return False
    return bool(_HTML_SNIFF.search(data[:2048]))


def extract_document(data: bytes, content_type: str | None = None, url: str | None = None) -> Extracted:
    """Main text, title and date of a document. HTML goes through trafilatura from the bytes, so
    it reads the page's own charset (GBK, Shift_JIS ...); anything else is decoded as plain text
    with no title: the claim engine decides whether a short first line is a headline."""
    if not data.strip():
        raise NoArticleError("empty document")
    if is_html(data, content_type):
        return _extract_html(data, url)
    text = decode_text(data).replace("\r\n", "\n").strip()
    if not text:
        raise NoArticleError("empty document")
    return Extracted(text=text)


def _extract_html(data: bytes, url: str | None) -> Extracted:
    page: bytes | str = data
    if _too_deep_for_the_parser(data):
        # libxml2 drops whatever sits below its depth limit; the flattened page keeps that text (deep_html.py).
        page = flatten_deep_html(decode_file(data))
    doc = trafilatura.bare_extraction(
        page,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M:%S%z", "extensive_search": False},
    )
    text = (doc.text if doc else None) or ""
    visible = len("".join(text.split()))
    if visible < MIN_ARTICLE_CHARS:
        raise NoArticleError(f"no article text found in the HTML page ({visible} characters of page furniture)")
    published = None
    if doc.date:
        try:
            published = datetime.fromisoformat(doc.date)
        except ValueError:
            published = None
    return Extracted(text=text.strip(), title=doc.title or None, published=published)


def _too_deep_for_the_parser(data: bytes) -> bool:
    """A cheap look at the tags first; only a page that may be deep is parsed to find out."""
    # UTF-16/32 (NUL bytes between the letters): the tag scan needs ASCII-compatible bytes.
    scan = decode_file(data).encode("utf-8") if b"\x00" in data[:1024] else data
    if not may_be_too_deep(scan):
        return False
    tree = load_html(data)
    return tree is not None and bool(_REACHES_PARSER_DEPTH(tree))


# True when the parsed tree has an element PARSER_DEPTH levels down: one step per level, each over the
# elements of that level only, so it costs one pass over the tree at most.
_REACHES_PARSER_DEPTH = etree.XPath("boolean(" + "/*" * PARSER_DEPTH + ")")
