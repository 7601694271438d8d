"""Each hostile case of issue 5 item 8 against a real loopback server: the fetch stops with a
one-line reason, it is recorded on its source, and the cycle goes on for the others."""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from chipwatch.config import SourceConfig, settings_from_dict
from chipwatch.connectors.errors import FetchError, RetryLater
from chipwatch.connectors.feed import FeedConnector, parse_feed
from chipwatch.connectors.http import HttpClient, HttpOptions, parse_retry_after
from chipwatch.connectors.sitemap import parse_sitemap
from chipwatch.pipeline.cycle import run_cycle
from chipwatch.pipeline.poll import poll_source
from chipwatch.storage.db import Database
from chipwatch.storage.sources import SourceSpec, source_summaries, sync_sources

MB = 1_000_000


def _client(**kw: Any) -> HttpClient:
    return HttpClient(HttpOptions(allow_private_networks=kw.pop("allow", True), **kw))


def _rss(base: str, n: int = 2, tag: str = "x") -> bytes:
    items = "".join(
        f"<item><title>{tag} {i}</title><link>{base}/a/{tag}-{i}</link><guid>{tag}-{i}</guid></item>" for i in range(n)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def test_a_20_mb_body_stops_at_the_limit_while_streaming(site: Any) -> None:
    big = b"<rss>" + b"A" * (20 * MB)
    # No Content-Length shortcut: the server's header is honest, so also try the streamed path below.
    site.routes["/big"] = (200, {"Content-Type": "application/rss+xml"}, big)
    with _client(max_bytes=2 * MB) as client, pytest.raises(FetchError, match="limit") as err:
        client.get(f"{site.url}/big")
    assert "\n" not in str(err.value)


def test_a_body_without_length_is_cut_while_streaming(raw_server: Any) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
    server = raw_server(head, [b"x" * MB] * 20, 0.0)
    with _client(max_bytes=2 * MB) as client, pytest.raises(FetchError, match="exceeds the 2000000-byte limit"):
        client.get(f"{server.url}/stream")


def test_a_gzip_bomb_stops_at_the_limit_without_inflating(site: Any) -> None:
    bomb = gzip.compress(b"\0" * (30 * MB), compresslevel=1)  # ~130 KB on the wire, 30x the limit
    assert len(bomb) < MB
    site.routes["/bomb.xml"] = (200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}, bomb)
    with _client(max_bytes=MB) as client, pytest.raises(FetchError, match="limit"):
        client.get(f"{site.url}/bomb.xml")


def test_gzip_and_deflate_bodies_under_the_limit_decode(site: Any) -> None:
    import zlib

    site.routes["/gz"] = (200, {"Content-Encoding": "gzip"}, gzip.compress(b"hello " * 1000))
    site.routes["/zz"] = (200, {"Content-Encoding": "deflate"}, zlib.compress(b"bye " * 1000))
    with _client() as client:
        assert client.get(f"{site.url}/gz").content == b"hello " * 1000
        assert client.get(f"{site.url}/zz").content == b"bye " * 1000


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
"""


def test_billion_laughs_stays_small_in_sitemaps_and_feeds(site: Any) -> None:
    sitemap = (
        BILLION_LAUGHS
        + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>'
    )
    with pytest.raises(FetchError, match="entities"):
        parse_sitemap(sitemap, "http://127.0.0.1/sitemap.xml", MB)
    feed = (
        BILLION_LAUGHS
        + b'<rss version="2.0"><channel><title>t</title><item><title>&lol9;</title><link>http://127.0.0.1/a</link></item></channel></rss>'
    )
    site.routes["/lol.xml"] = (200, {"Content-Type": "application/rss+xml"}, feed)
    with _client() as client:
        try:
            entries = (
                FeedConnector()
                .fetch(SourceConfig(name="l", kind="feed", url=f"{site.url}/lol.xml"), {}, client)
                .entries
            )
        except FetchError:
            entries = []
    # Either refused or parsed without expansion: nothing near the 3 GB the entities would make.
    assert all(len(e.title or "") < 10_000 for e in entries)


def test_redirect_loops_across_paths_are_refused(site: Any) -> None:
    site.routes["/a"] = (302, {"Location": "/b"}, b"")
    site.routes["/b"] = (301, {"Location": "/a"}, b"")
    with _client() as client, pytest.raises(FetchError, match="redirect"):
        client.get(f"{site.url}/a")
    assert site.hits["/a"] == 1 and site.hits["/b"] == 1


def test_a_redirect_to_a_disallowed_address_is_refused_before_connecting(site: Any, second_server: Any) -> None:
    target, hits = second_server
    site.routes["/go"] = (302, {"Location": f"{target.url}/internal"}, b"")
    allowed = site.url.removeprefix("http://")  # 127.0.0.1:PORT of the first site only
    with _client(allow=False, allow_hosts=(allowed,)) as client, pytest.raises(FetchError, match="non-public") as err:
        client.get(f"{site.url}/go")
    assert site.hits["/go"] == 1 and hits["n"] == 0
    assert "allow_private_networks" in str(err.value)


def test_a_server_that_stalls_after_the_headers_times_out(raw_server: Any) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 1000\r\n\r\n"
    server = raw_server(head, [b"<rss>", b"never"], 30.0)
    started = time.monotonic()
    with _client(read_timeout=0.5, timeout=5) as client, pytest.raises(FetchError, match="timed out"):
        client.get(f"{server.url}/feed")
    assert time.monotonic() - started < 4.5  # well before the server would have sent anything


def test_a_trickling_server_is_cut_by_the_total_time_limit(raw_server: Any) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
    server = raw_server(head, [b"x"] * 1000, 0.2)  # 200 s for the whole body, never silent for long
    with _client(read_timeout=2, timeout=1.0) as client, pytest.raises(FetchError, match=r"longer than|timed out"):
        client.get(f"{server.url}/slow")


@pytest.mark.parametrize("header_kind", ["seconds", "http-date"])
def test_429_with_retry_after_puts_the_source_in_backoff_until_then(db: Database, site: Any, header_kind: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    value = "7200" if header_kind == "seconds" else format_datetime(now + timedelta(hours=2), usegmt=True)
    site.routes["/feed.xml"] = (429, {"Retry-After": value}, b"slow down")
    source = SourceConfig(name="busy", kind="feed", url=f"{site.url}/feed.xml", every="15m")
    with db.session() as s, s.begin():
        sync_sources(s, [SourceSpec("busy", "feed", source.url)])
    with _client() as client:
        first = poll_source(db, client, source, now=now)
        second = poll_source(db, client, source, now=now + timedelta(minutes=30))
    assert isinstance(first.error, str) and "HTTP 429" in first.error and "Retry-After" in first.error
    assert second.skipped and site.hits["/feed.xml"] == 1  # not contacted while backing off
    with db.session() as s:
        [row] = source_summaries(s)
    assert row["status"] == "backoff" and "429" in row["last_error"]
    assert datetime.fromisoformat(row["next_check"]) >= now + timedelta(hours=2) - timedelta(seconds=2)


def test_retry_after_parses_seconds_and_dates() -> None:
    now = datetime(2025, 1, 27, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Mon, 27 Jan 2025 00:10:00 GMT", now) == 600
    assert parse_retry_after("Sun, 26 Jan 2025 00:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None


def test_503_without_retry_after_is_retry_later(site: Any) -> None:
    site.routes["/x"] = (503, {}, b"")
    with _client() as client, pytest.raises(RetryLater) as err:
        client.get(f"{site.url}/x")
    assert err.value.retry_after is None


def test_html_served_as_a_feed_and_truncated_xml_are_recorded_and_the_cycle_goes_on(db: Database, site: Any) -> None:
    site.routes["/html.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        b"<!DOCTYPE html><html><body><p>Login</p></body></html>",
    )
    truncated = _rss(site.url, 3, "t")[:-60]
    site.routes["/truncated.xml"] = (200, {"Content-Type": "application/rss+xml"}, truncated)
    site.routes["/gone.xml"] = (404, {}, b"")
    site.routes["/good.xml"] = (200, {"Content-Type": "application/rss+xml"}, _rss(site.url, 2, "g"))
    for i in range(3):
        site.routes[f"/a/t-{i}"] = site.routes[f"/a/g-{i}"] = (
            200,
            {"Content-Type": "text/plain; charset=utf-8"},
            f"article {i} body text".encode(),
        )
    settings = settings_from_dict(
        {
            "sources": [
                {"name": "html", "kind": "feed", "url": f"{site.url}/html.xml"},
                {"name": "truncated", "kind": "feed", "url": f"{site.url}/truncated.xml"},
                {"name": "gone", "kind": "feed", "url": f"{site.url}/gone.xml"},
                {"name": "good", "kind": "feed", "url": f"{site.url}/good.xml"},
            ],
            "http": {"allow_private_networks": True},
        }
    )
    report = run_cycle(db, settings)
    by_name = {p.source: p for p in report.polls}
    assert "HTML page" in (by_name["html"].error or "")
    assert by_name["gone"].error == f"HTTP 404 from {site.url}/gone.xml"
    assert by_name["truncated"].error is None and len(by_name["truncated"].new_article_ids) >= 1
    assert len(by_name["good"].new_article_ids) == 2
    with db.session() as s:
        rows = {r["name"]: r for r in source_summaries(s)}
    assert rows["html"]["status"] == "error" and "\n" not in rows["html"]["last_error"]
    assert rows["good"]["status"] == "ok" and rows["good"]["articles"] == 2


def test_a_feed_with_a_wrong_charset_header_decodes_by_its_declaration(site: Any) -> None:
    body = '<?xml version="1.0" encoding="gbk"?><rss version="2.0"><channel><title>t</title><item><title>英伟达暴跌</title><link>http://127.0.0.1/a/1</link></item></channel></rss>'.encode(
        "gbk"
    )
    site.routes["/gbk.xml"] = (200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body)
    with _client() as client:
        resp = client.get(f"{site.url}/gbk.xml")
    assert [e.title for e in parse_feed(resp)] == ["英伟达暴跌"]


def test_a_rerun_of_50_unchanged_feeds_sends_only_conditional_requests_and_stores_nothing(
    db: Database, site: Any
) -> None:
    def feed_route(i: int):  # type: ignore[no-untyped-def]
        etag = f'"feed-{i}-v1"'

        def route(req):  # type: ignore[no-untyped-def]
            if req.headers.get("If-None-Match") == etag:
                return 304, {"ETag": etag}, b""
            return (
                200,
                {"Content-Type": "application/rss+xml", "ETag": etag, "Last-Modified": "Mon, 27 Jan 2025 00:00:00 GMT"},
                _rss(site.url, 1, f"f{i}"),
            )

        return route

    for i in range(50):
        site.routes[f"/f/{i}.xml"] = feed_route(i)
        site.routes[f"/a/f{i}-0"] = (200, {"Content-Type": "text/plain; charset=utf-8"}, f"article {i}".encode())
    settings = settings_from_dict(
        {
            "sources": [{"name": f"f{i}", "kind": "feed", "url": f"{site.url}/f/{i}.xml"} for i in range(50)],
            "http": {"allow_private_networks": True},
        }
    )
    first = run_cycle(db, settings)
    assert sum(len(p.new_article_ids) for p in first.polls) == 50
    site.requests.clear()
    second = run_cycle(db, settings)
    assert len(site.requests) == 50
    assert all(
        path.startswith("/f/") and "if-none-match" in headers and "if-modified-since" in headers
        for path, headers in site.requests
    )
    assert all(p.not_modified and not p.new_article_ids and p.error is None for p in second.polls)
    with db.session() as s:
        assert sum(r["articles"] for r in source_summaries(s)) == 50


def test_dns_rebinding_is_caught_where_the_socket_is_opened(site: Any) -> None:
    """The name first resolves to a public address (the early check passes), then to loopback when
    the connection is made: the guarded backend refuses it and nothing connects. A resolver stub
    plays DNS; no packet leaves loopback (the public answer is only ever checked, never dialled)."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    site.routes["/x"] = (200, {}, b"internal")
    port = site.url.rsplit(":", 1)[1]

    def rebinding(_host: str, _port: int) -> list[str]:
        return next(answers)

    with (
        HttpClient(HttpOptions(resolver=rebinding)) as client,
        pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1") as err,
    ):
        client.get(f"http://rebind.test:{port}/x")
    assert site.hits == {} and "\n" not in str(err.value)


def test_the_guard_sees_every_connection_even_with_the_early_check_passed(site: Any) -> None:
    site.routes["/x"] = (200, {}, b"ok")
    port = site.url.rsplit(":", 1)[1]
    with HttpClient(HttpOptions(allow_hosts=(f"127.0.0.1:{port}",))) as client:
        assert client.get(f"{site.url}/x").content == b"ok"  # an allowed host connects as usual


def test_a_host_that_said_429_is_not_contacted_again_by_the_same_client(site: Any) -> None:
    site.routes["/a"] = (429, {"Retry-After": "120"}, b"")
    site.routes["/b"] = (200, {}, b"ok")
    with _client() as client:
        with pytest.raises(RetryLater):
            client.get(f"{site.url}/a")
        with pytest.raises(RetryLater, match="asked us to wait") as err:
            client.get(f"{site.url}/b")
    assert "/b" not in site.hits and err.value.retry_after is not None and err.value.retry_after > 100
