"""Article text from fetched bytes: trafilatura for HTML, decoding for plain text."""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
from trafilatura.settings import Document
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
    # One parse: the tree serves the depth check, the title and trafilatura (which works on its own copy).
    tree = load_html(data)
    if tree is not None and _too_deep_for_the_parser(data, tree):
        # libxml2 drops whatever sits below its depth limit; the flattened page keeps that text (deep_html.py).
        tree = load_html(flatten_deep_html(decode_file(data)))
    if tree is None:
        raise NoArticleError("the HTML page could not be parsed")
    # Only the title of the page's metadata is used: trafilatura's full metadata pass (author, date,
    # sitename, categories, licence) cost about a third of the extraction and was thrown away.
    title = page_title(tree)
    doc = trafilatura.bare_extraction(tree, url=url, with_metadata=False, include_comments=False, include_tables=False)
    text = (doc.text if doc else None) or ""
    visible = len("".join(text.split()))
    if visible < MIN_ARTICLE_CHARS:
        raise NoArticleError(f"no article text found in the HTML page ({visible} characters of page furniture)")
    return Extracted(text=text.strip(), title=title or None)


def page_title(tree: HtmlElement) -> str | None:
    """The title trafilatura's metadata pass gives (meta tags and OpenGraph, then JSON-LD, then the
    <title>/<h1> rules), cleaned the same way, without the rest of that pass."""
    meta = examine_meta(tree)
    with suppress(Exception):  # trafilatura guards its JSON-LD reader the same way: a bad block is skipped
        meta = extract_meta_json(tree, meta)
    found = Document()
    found.title = meta.title or extract_title(tree)
    found.clean_and_trim()
    return found.title


def _too_deep_for_the_parser(data: bytes, tree: HtmlElement) -> bool:
    """A cheap look at the tags first; only a page that may be deep has its tree walked to find out."""
    # UTF-16/32 (NUL bytes between the letters): the tag scan needs ASCII-compatible bytes.
    scan = decode_file(data).encode("utf-8") if b"\x00" in data[:1024] else data
    if not may_be_too_deep(scan):
        return False
    return bool(_REACHES_PARSER_DEPTH(tree))


# True when the parsed tree has an element PARSER_DEPTH levels down: one step per level, each over the
# elements of that level only, so it costs one pass over the tree at most.
_REACHES_PARSER_DEPTH = etree.XPath("boolean(" + "/*" * PARSER_DEPTH + ")")
