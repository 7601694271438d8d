"""What a fetched HTML page says about links: its <link rel=canonical> and the article links on a
listing page. Parsing only; the bytes come from the shared client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html

from chipwatch.connectors.charset import decode_document
from chipwatch.connectors.urls import canonical_url, same_site

# Page furniture: links here are navigation, not articles.
_FURNITURE = {"nav", "header", "footer", "aside", "form", "menu"}
# Paths that are listings, feeds, accounts or files, not articles.
_NOT_ARTICLE = re.compile(
    r"(^/?$)|/(tag|tags|category|categories|author|authors|page|search|login|logout|register|signup|account|"
    r"feed|rss|wp-admin|wp-login|cart|privacy|terms|about|contact)(/|$)|"
    r"\.(jpe?g|png|gif|webp|svg|ico|css|js|pdf|zip|gz|mp[34]|xml|json)$",
    re.IGNORECASE,
)
_MIN_ANCHOR_CHARS = 4  # "1", "»" and short arrows are navigation
_NAV_WORDS = frozenset(
    {
        "more",
        "next",
        "prev",
        "previous",
        "older",
        "newer",
        "home",
        "top",
        "continue",
        "更多",
        "下一页",
        "上一页",
        "首页",
        "阅读全文",
        "查看更多",
        "次へ",
        "前へ",
        "もっと見る",
        "続きを読む",
        "一覧",
        "read more",
        "continue reading",
        "load more",
    }
)


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def parse(data: bytes, content_type: str | None = None) -> lxml.html.HtmlElement | None:
    """An lxml tree of the page, decoded by our charset rules (lxml never fetches anything)."""
    text, _codec = decode_document(data, content_type)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)  # lxml refuses str input that declares an encoding
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError):
        return None


def canonical_link(data: bytes, content_type: str | None, base_url: str) -> str | None:
    """The page's <link rel=canonical href>, absolute, if it is an http(s) URL on the same site.

    Another site's canonical is ignored: a page may not move its key to a host it does not control.
    """
    tree = parse(data, content_type)
    if tree is None:
        return None
    for el in tree.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        href = (el.get("href") or "").strip()
        if "canonical" in rel and href:
            url = urljoin(base_url, href)
            if urlsplit(url).scheme in ("http", "https") and same_site(url, base_url):
                return url
    return None


def article_links(
    data: bytes, content_type: str | None, base_url: str, pattern: re.Pattern[str] | None = None
) -> list[Link]:
    """Links on a listing page that look like articles on the same site, in page order, each once.

    With `pattern` (the source's `links:` regex) only URLs matching it count and the heuristics
    (furniture, path shapes, anchor length) are skipped: the user knows the site.
    """
    tree = parse(data, content_type)
    if tree is None:
        return []
    base = tree.find(".//base[@href]")
    base_url = urljoin(base_url, base.get("href")) if base is not None else base_url
    listing = canonical_url(base_url)
    seen: set[str] = set()
    out: list[Link] = []
    for el in tree.iter("a"):
        href = (el.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = urljoin(base_url, href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not same_site(url, base_url):
            continue
        key = canonical_url(url)
        if key == listing or key in seen:
            continue
        text = " ".join(el.text_content().split())
        if pattern is not None:
            if not pattern.search(url):
                continue
        elif (
            _NOT_ARTICLE.search(parts.path)
            or len(text.replace(" ", "")) < _MIN_ANCHOR_CHARS
            or text.lower().strip(" .…»>") in _NAV_WORDS
            or any(a.tag in _FURNITURE for a in el.iterancestors())
        ):
            continue
        seen.add(key)
        out.append(Link(url=url.split("#")[0], text=text))
    return out
