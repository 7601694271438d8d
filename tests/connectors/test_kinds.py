"""page, sitemap, JSON Feed and .eml sources, and the politeness gate, against loopback servers."""

from __future__ import annotations

import gzip
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from chipwatch.config import SourceConfig
from chipwatch.connectors.directory import DirectoryConnector
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.feed import FeedConnector
from chipwatch.connectors.http import HttpClient, HttpOptions
from chipwatch.connectors.page import PageConnector
from chipwatch.connectors.sitemap import SitemapConnector
from chipwatch.connectors.urls import canonical_url


def _client(**kw: Any) -> HttpClient:
    return HttpClient(HttpOptions(allow_private_networks=True, **kw))


LISTING = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>News</title></head><body>
<nav><a href="/news/2025/menu-item-long-title.html">A navigation link with a long title</a></nav>
<main>
 <article><h2><a href="/news/2025/nvidia-drop.html?utm_source=home">英伟达市值单日蒸发6000亿美元</a></h2></article>
 <article><h2><a href="/news/2025/tsmc-capex.html#comments">TSMC raises capex guidance</a></h2></article>
 <a href="/news/2025/nvidia-drop.html">英伟达市值单日蒸发6000亿美元</a>
 <a href="/tag/nvidia">NVIDIA tag page</a> <a href="/news/2025/next.html">more</a>
 <a href="http://example.invalid/elsewhere.html">Another site entirely here</a>
 <a href="/private/secret-report.html">A report robots.txt forbids</a>
</main><footer><a href="/about/team.html">About our editorial team</a></footer></body></html>"""


def test_a_listing_page_yields_same_site_article_links_and_obeys_robots(site: Any) -> None:
    site.routes["/news/"] = (200, {"Content-Type": "text/html; charset=utf-8", "ETag": '"l1"'}, LISTING.encode())
    site.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n")
    source = SourceConfig(name="p", kind="page", url=f"{site.url}/news/")
    with _client() as client:
        result = PageConnector().fetch(source, {}, client)
    assert [canonical_url(e.url) for e in result.entries] == [
        f"{site.url}/news/2025/nvidia-drop.html",
        f"{site.url}/news/2025/tsmc-capex.html",
    ]
    assert result.entries[0].title == "英伟达市值单日蒸发6000亿美元"
    assert result.state == {"etag": '"l1"'}


def test_robots_can_forbid_a_whole_page_source_unless_overridden(site: Any) -> None:
    site.routes["/news/"] = (200, {"Content-Type": "text/html"}, LISTING.encode())
    site.routes["/robots.txt"] = (200, {}, b"User-agent: chipwatch\nDisallow: /\n")
    with _client() as client, pytest.raises(FetchError, match=r"robots\.txt"):
        PageConnector().fetch(SourceConfig(name="p", kind="page", url=f"{site.url}/news/"), {}, client)
    assert "/news/" not in site.hits
    with _client() as client:
        result = PageConnector().fetch(
            SourceConfig(name="p", kind="page", url=f"{site.url}/news/", robots=False), {}, client
        )
    assert len(result.entries) == 3  # the robots-forbidden report is listed too when robots: false


def test_a_links_pattern_replaces_the_heuristics(site: Any) -> None:
    site.routes["/news/"] = (200, {"Content-Type": "text/html"}, LISTING.encode())
    source = SourceConfig(name="p", kind="page", url=f"{site.url}/news/", links=r"/tsmc-", robots=False)
    with _client() as client:
        assert [e.title for e in PageConnector().fetch(source, {}, client).entries] == ["TSMC raises capex guidance"]


SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


def test_sitemap_index_news_sitemap_gzip_and_unchanged_children(site: Any) -> None:
    index = f"""<?xml version="1.0"?><sitemapindex xmlns="{SM}">
<sitemap><loc>{site.url}/sm-news.xml</loc><lastmod>2025-01-27</lastmod></sitemap>
<sitemap><loc>{site.url}/sm-old.xml.gz</loc><lastmod>2024-01-01</lastmod></sitemap></sitemapindex>"""
    news = f"""<?xml version="1.0"?><urlset xmlns="{SM}" xmlns:news="{NEWS}"><url><loc>{site.url}/n/1.html</loc>
<news:news><news:publication_date>2025-01-27T08:00:00+08:00</news:publication_date><news:title>英伟达暴跌</news:title></news:news>
</url></urlset>"""
    old = f'<urlset xmlns="{SM}"><url><loc>{site.url}/o/1.html</loc><lastmod>2024-01-01</lastmod></url></urlset>'
    site.routes["/sitemap.xml"] = (200, {"Content-Type": "application/xml"}, index.encode())
    site.routes["/sm-news.xml"] = (200, {"Content-Type": "application/xml"}, news.encode())
    site.routes["/sm-old.xml.gz"] = (200, {"Content-Type": "application/gzip"}, gzip.compress(old.encode()))
    source = SourceConfig(name="s", kind="sitemap", url=f"{site.url}/sitemap.xml")
    with _client() as client:
        first = SitemapConnector().fetch(source, {}, client)
        second = SitemapConnector().fetch(source, first.state, client)
    assert [(e.url, e.title) for e in first.entries] == [
        (f"{site.url}/n/1.html", "英伟达暴跌"),
        (f"{site.url}/o/1.html", None),
    ]
    assert first.entries[0].published is not None and first.entries[0].published.hour == 0
    assert second.entries == [] and site.hits["/sm-news.xml"] == 1 and site.hits["/sm-old.xml.gz"] == 1
    assert site.hits["/robots.txt"] == 1  # one robots.txt per site and client


def test_a_non_sitemap_is_a_clear_error(site: Any) -> None:
    site.routes["/sitemap.xml"] = (200, {"Content-Type": "application/xml"}, b"<rss version='2.0'/>")
    with _client() as client, pytest.raises(FetchError, match="not a sitemap"):
        SitemapConnector().fetch(SourceConfig(name="s", kind="sitemap", url=f"{site.url}/sitemap.xml"), {}, client)


def test_json_feed(site: Any) -> None:
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": ['
        '{"id": "j1", "url": "/a/j1", "title": "エヌビディア", "date_published": "2025-01-28T09:00:00+09:00"},'
        '{"id": "j2", "external_url": "https://127.0.0.1/a/j2"}, {"id": "j3"}]}'
    ).encode()
    site.routes["/feed.json"] = (200, {"Content-Type": "application/feed+json"}, body)
    with _client() as client:
        entries = (
            FeedConnector().fetch(SourceConfig(name="j", kind="feed", url=f"{site.url}/feed.json"), {}, client).entries
        )
    assert [(e.guid, e.url, e.title) for e in entries] == [
        ("j1", f"{site.url}/a/j1", "エヌビディア"),
        ("j2", "https://127.0.0.1/a/j2", None),
    ]
    assert entries[0].published is not None and entries[0].published.hour == 0


EML = """From: news@example.invalid
To: me@example.invalid
Subject: =?gb2312?B?06K/qLTvsanA5A==?=
Date: Mon, 27 Jan 2025 08:00:00 +0800
Message-ID: <m1@example.invalid>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

plain version
--b
Content-Type: text/html; charset=gbk
Content-Transfer-Encoding: base64

{html}
--b--
"""


def test_eml_files_in_a_directory_become_utf8_html_documents(tmp_path: Path) -> None:
    import base64

    html = base64.b64encode("<html><body><p>英伟达股价暴跌近17%</p></body></html>".encode("gbk")).decode()
    (tmp_path / "letter.eml").write_text(EML.format(html=html), encoding="ascii")
    (tmp_path / "broken.eml").write_text("Subject: x\n\n", encoding="ascii")
    with _client() as client:
        result = DirectoryConnector().fetch(SourceConfig(name="d", kind="directory", path=str(tmp_path)), {}, client)
    by_name = {Path(e.url).name: e for e in result.entries}
    letter = by_name["letter.eml"]
    assert letter.content is not None and "英伟达股价暴跌近17%" in letter.content.decode("utf-8")
    assert letter.content_type == "text/html; charset=utf-8" and letter.guid == "<m1@example.invalid>"
    assert letter.published is not None and letter.published.hour == 0
    assert by_name["broken.eml"].error is not None and "empty" in by_name["broken.eml"].error


def test_per_host_concurrency_limit_and_minimum_delay(site: Any) -> None:
    active = {"now": 0, "max": 0}
    starts: list[float] = []
    lock = threading.Lock()

    def slow(_req):  # type: ignore[no-untyped-def]
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
            starts.append(time.monotonic())
        time.sleep(0.1)
        with lock:
            active["now"] -= 1
        return 200, {}, b"ok"

    site.routes["/slow"] = slow
    with _client(host_concurrency=1, host_delay=0.2, delay_loopback=True) as client:
        threads = [threading.Thread(target=client.get, args=(f"{site.url}/slow",)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert active["max"] == 1 and len(starts) == 4
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert min(gaps) >= 0.19  # a lower bound only: a slow machine can only make gaps longer


def test_robots_crawl_delay_slows_the_host_down(site: Any) -> None:
    site.routes["/robots.txt"] = (200, {}, b"User-agent: *\nCrawl-delay: 7\n")
    with _client() as client:
        client.robots.check(f"{site.url}/news/")
        assert client.gate._host_delay["127.0.0.1"] == 7.0


def test_new_source_and_http_keys_are_validated() -> None:
    from chipwatch.config import ConfigError, settings_from_dict

    ok = settings_from_dict(
        {
            "sources": [
                {"name": "p", "kind": "page", "url": "https://example.invalid/", "robots": False, "links": "/20\\d\\d/"}
            ],
            "http": {
                "host_delay": 2,
                "host_concurrency": 1,
                "workers": 8,
                "max_backoff": "6h",
                "allow_hosts": ["intranet:8080"],
            },
        }
    )
    assert ok.sources[0].robots is False and ok.http.max_backoff.total_seconds() == 21600
    with pytest.raises(ConfigError, match=r"sources\.0\.links"):
        settings_from_dict(
            {"sources": [{"name": "p", "kind": "page", "url": "https://example.invalid/", "links": "("}]}
        )


def test_a_changed_lastmod_fetches_a_stored_article_again(db: Any, site: Any) -> None:
    from chipwatch.pipeline.poll import poll_source
    from chipwatch.storage.articles import articles_by_ids
    from chipwatch.storage.sources import SourceSpec, sync_sources

    def sitemap(lastmod: str) -> bytes:
        return f'<urlset xmlns="{SM}"><url><loc>{site.url}/n/1.html</loc><lastmod>{lastmod}</lastmod></url></urlset>'.encode()

    site.routes["/sitemap.xml"] = (200, {"Content-Type": "application/xml"}, sitemap("2025-01-27T08:00:00Z"))
    site.routes["/n/1.html"] = (200, {"Content-Type": "text/plain; charset=utf-8"}, b"first version")
    source = SourceConfig(name="s", kind="sitemap", url=f"{site.url}/sitemap.xml", robots=False)
    with db.session() as s, s.begin():
        sync_sources(s, [SourceSpec("s", "sitemap", source.url)])
    with _client() as client:
        first = poll_source(db, client, source)
        same = poll_source(db, client, source)
        site.routes["/sitemap.xml"] = (200, {"Content-Type": "application/xml"}, sitemap("2099-01-01T00:00:00Z"))
        future = poll_source(db, client, source)  # a lastmod in the future is a clock slip: ignored
        site.routes["/sitemap.xml"] = (200, {"Content-Type": "application/xml"}, sitemap("2030-01-01T00:00:00Z"))
        site.routes["/n/1.html"] = (200, {"Content-Type": "text/plain; charset=utf-8"}, b"second version")
        from datetime import UTC, datetime

        changed = poll_source(db, client, source, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert len(first.new_article_ids) == 1 and same.refreshed_article_ids == future.refreshed_article_ids == []
    assert changed.refreshed_article_ids == first.new_article_ids and site.hits["/n/1.html"] == 2
    with db.session() as s:
        [article] = articles_by_ids(s, first.new_article_ids)
    assert article.raw == b"second version" and article.status == "new"
