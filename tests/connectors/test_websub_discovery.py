"""WebSub discovery and signatures, as pure functions: Link headers over feed links, the self URL as topic,
and the HMAC check of a delivery's body (the loopback round trips are in tests/websub)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from chipwatch.connectors.websub import discover, hub_state, link_header_rels, signature_ok

FEED = "https://blog.example.com/feed/"


def test_link_headers_win_over_the_feed_and_self_is_the_topic() -> None:
    headers = {"link": '<https://hub.example.net/>; rel="hub", <https://blog.example.com/feed>; rel="self"'}
    body = [{"rel": "hub", "href": "https://other-hub.example/"}, {"rel": "alternate", "href": "https://x/"}]
    links = discover(headers, body, FEED)
    assert (links.hub, links.topic) == ("https://hub.example.net/", "https://blog.example.com/feed")


def test_feed_links_when_no_header_and_relative_urls_resolved() -> None:
    links = discover({}, [{"rel": "hub", "href": "/hub"}, {"rel": "self", "href": "https://b.example/f.xml"}], FEED)
    assert (links.hub, links.topic) == ("https://blog.example.com/hub", "https://b.example/f.xml")
    assert discover({}, [{"rel": "hub", "href": "https://h/"}], FEED).topic == FEED  # no self: the fetched URL


def test_no_hub_or_a_non_http_hub_means_no_push() -> None:
    assert hub_state(discover({}, [], FEED)) == {}
    assert discover({}, [{"rel": "hub", "href": "javascript:alert(1)"}], FEED).hub is None


def test_link_header_forms() -> None:
    rels = link_header_rels(["<https://a/>; rel=hub", '<https://b/>;rel="self alternate"; type="x"'])
    assert rels == {"hub": "https://a/", "self": "https://b/", "alternate": "https://b/"}


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_signature_methods_of_the_recommendation(method: str) -> None:
    body = b"<rss>...</rss>"
    digest = hmac.new(b"s3cret", body, getattr(hashlib, method)).hexdigest()
    assert signature_ok("s3cret", body, f"{method}={digest}")
    assert not signature_ok("s3cret", body + b" ", f"{method}={digest}")  # the body changed
    assert not signature_ok("other", body, f"{method}={digest}")


@pytest.mark.parametrize("header", [None, "", "sha256", "sha256=", "md5=abc", "=abc", "sha256=zz"])
def test_missing_or_malformed_signatures_fail(header: str | None) -> None:
    assert not signature_ok("s3cret", b"body", header)
