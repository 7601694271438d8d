import pytest

from chipwatch.config import SourceConfig
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.feed import FeedConnector, parse_feed
from chipwatch.connectors.http import HttpClient, HttpOptions, Response

RSS = """<?xml version="1.0" encoding="{enc}"?><rss version="2.0"><channel><title>t</title>
<item><title>英伟达暴跌</title><link>http://127.0.0.1/a/1</link><guid>g-1</guid>
<pubDate>Mon, 27 Jan 2025 08:00:00 +0800</pubDate></item>
<item><title>no guid</title><link>http://127.0.0.1/a/2</link></item>
<item><title>no link</title><guid>g-3</guid></item></channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<id>urn:x</id><updated>2025-01-27T00:00:00Z</updated><entry><title>エヌビディア</title><id>urn:e1</id>
<link href="http://127.0.0.1/ja/1"/><updated>2025-01-28T09:00:00+09:00</updated></entry></feed>"""


def _resp(body: bytes, ctype: str = "application/rss+xml") -> Response:
    return Response("http://127.0.0.1/feed", 200, {"content-type": ctype}, body)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030"])
def test_rss_entries_parse_from_bytes_in_any_declared_encoding(encoding: str) -> None:
    entries = parse_feed(_resp(RSS.format(enc=encoding).encode(encoding), "application/xml"))
    assert [e.title for e in entries] == ["英伟达暴跌", "no guid", "no link"]
    assert entries[0].guid == "g-1" and entries[1].guid == "http://127.0.0.1/a/2"
    # An entry without a link has no page: it is kept under a key of its own (issue 15), never dropped.
    assert entries[2].guid == "g-3" and entries[2].key and entries[2].key.startswith("urn:chipwatch:entry:")
    assert entries[0].key is None
    assert entries[0].published is not None and entries[0].published.isoformat() == "2025-01-27T00:00:00+00:00"


def test_atom_entries_parse() -> None:
    [entry] = parse_feed(_resp(ATOM.encode(), "application/atom+xml"))
    assert (entry.title, entry.guid, entry.url) == ("エヌビディア", "urn:e1", "http://127.0.0.1/ja/1")
    assert entry.published is not None and entry.published.hour == 0


def test_html_served_as_a_feed_is_an_error() -> None:
    with pytest.raises(FetchError, match="feed"):
        parse_feed(_resp(b"<html><body><p>hello</p></body></html>", "text/html"))


def test_truncated_feed_still_yields_the_entries_it_could_read() -> None:
    body = RSS.format(enc="utf-8").encode()[:-40]
    entries = parse_feed(_resp(body))
    assert entries and entries[0].title == "英伟达暴跌"


def test_conditional_get_sends_back_etag_and_skips_parsing_on_304(site) -> None:  # type: ignore[no-untyped-def]
    body = RSS.format(enc="utf-8").encode()

    def feed(req):  # type: ignore[no-untyped-def]
        if req.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return (
            200,
            {"Content-Type": "application/rss+xml", "ETag": '"v1"', "Last-Modified": "Mon, 27 Jan 2025 00:00:00 GMT"},
            body,
        )

    site.routes["/feed.xml"] = feed
    source = SourceConfig(name="f", kind="feed", url=f"{site.url}/feed.xml")
    with HttpClient(HttpOptions(allow_private_networks=True)) as client:
        first = FeedConnector().fetch(source, {}, client)
        second = FeedConnector().fetch(source, first.state, client)
    assert len(first.entries) == 3 and first.state == {"etag": '"v1"', "last_modified": "Mon, 27 Jan 2025 00:00:00 GMT"}
    assert second.not_modified and second.entries == []
    assert site.requests[1][1]["if-none-match"] == '"v1"'
    assert site.requests[1][1]["if-modified-since"] == "Mon, 27 Jan 2025 00:00:00 GMT"
