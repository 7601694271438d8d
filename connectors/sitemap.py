"""Sitemaps: plain `urlset`, Google News sitemaps and sitemap indexes (children followed, bounded).

Outside XML is parsed by defusedxml: entity declarations (billion laughs) and external entities
are refused, not expanded. A child sitemap whose `lastmod` has not changed is not fetched again.
"""

from __future__ import annotations

import gzip
import io
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from chipwatch.config import SourceConfig
from chipwatch.connectors.base import Entry, FetchResult
from chipwatch.connectors.dates import parse_iso_utc
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.http import HttpClient, Response
from chipwatch.connectors.page import validators

MAX_CHILDREN = 50  # child sitemaps fetched per poll
MAX_URLS = 5000  # entries taken from one poll
_SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


class SitemapConnector:
    def fetch(self, source: SourceConfig, state: dict[str, Any], client: HttpClient) -> FetchResult:
        assert source.url is not None
        limit = source.max_bytes or client.options.max_bytes
        children_state: dict[str, dict[str, Any]] = dict(state.get("children", {}))
        root, resp = self._get(source, source.url, state, client, limit)
        if root is None:
            return FetchResult(entries=[], state=state, not_modified=True)
        next_state: dict[str, Any] = {**validators(resp.headers), "children": children_state}
        if _local(root.tag) == "urlset":
            return FetchResult(entries=_entries(root)[:MAX_URLS], state=next_state)
        if _local(root.tag) != "sitemapindex":
            raise FetchError(f"not a sitemap at {resp.url} (root element <{_local(root.tag)}>)")
        entries: list[Entry] = []
        fetched = 0
        for loc, lastmod in _index(root):
            old = children_state.get(loc, {})
            if lastmod and old.get("lastmod") == lastmod:
                continue  # the index says this child has not changed
            if fetched >= MAX_CHILDREN:
                break
            fetched += 1
            try:
                child, child_resp = self._get(source, loc, old, client, limit)
            except FetchError:
                continue  # one broken child does not hide the others; it is retried next poll
            if child is None:
                children_state[loc] = {**old, "lastmod": lastmod}
                continue
            if _local(child.tag) == "urlset":
                entries += _entries(child)
            children_state[loc] = {**validators(child_resp.headers), "lastmod": lastmod}
            if len(entries) >= MAX_URLS:
                break
        return FetchResult(entries=entries[:MAX_URLS], state=next_state)

    def _get(
        self, source: SourceConfig, url: str, state: dict[str, Any], client: HttpClient, limit: int
    ) -> tuple[Element | None, Response]:
        if source.robots:
            client.robots.check(url)
        resp = client.get(
            url, etag=state.get("etag"), last_modified=state.get("last_modified"), max_bytes=source.max_bytes
        )
        if resp.status == 304:
            return None, resp
        return parse_sitemap(resp.content, resp.url, limit), resp


def parse_sitemap(data: bytes, url: str, limit: int) -> Element:
    """The root element of a sitemap body (gzip-compressed or not), refusing entity tricks."""
    if data[:2] == b"\x1f\x8b":  # a .xml.gz file served as-is
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            data = gz.read(limit + 1)
        if len(data) > limit:
            raise FetchError(f"sitemap {url} inflates past the {limit}-byte limit")
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FetchError(f"refusing sitemap {url}: it declares entities ({exc.__class__.__name__})") from None
    except ParseError as exc:
        raise FetchError(f"not a readable sitemap at {url}: {exc}") from None


def _entries(urlset: Element) -> list[Entry]:
    out: list[Entry] = []
    for node in urlset.iter(f"{_SM}url"):
        loc = (node.findtext(f"{_SM}loc") or "").strip()
        if not loc.startswith(("http://", "https://")):
            continue
        news = node.find(f"{_NEWS}news")
        title = (news.findtext(f"{_NEWS}title") or "").strip() if news is not None else ""
        lastmod = parse_iso_utc(node.findtext(f"{_SM}lastmod"))
        when = parse_iso_utc(news.findtext(f"{_NEWS}publication_date") if news is not None else None) or lastmod
        out.append(Entry(url=loc, title=title or None, published=when, updated=lastmod))
    return out


def _index(root: Element) -> list[tuple[str, str | None]]:
    out = []
    for node in root.iter(f"{_SM}sitemap"):
        loc = (node.findtext(f"{_SM}loc") or "").strip()
        if loc.startswith(("http://", "https://")):
            out.append((loc, (node.findtext(f"{_SM}lastmod") or "").strip() or None))
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
