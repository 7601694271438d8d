"""Feeds in token mode (issue 16, item 5): each feed has a read-only key, in its URL or as the HTTP Basic
password, so a feed reader can subscribe; the key opens that feed and nothing else. SQLite and PostgreSQL;
TestClient, and a real server read by feedparser and curl as feed readers do."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import feedparser
import httpx
import pytest
from fastapi.testclient import TestClient

from chipwatch.dashboard import create_app
from chipwatch.dashboard.host_guard import loopback_names
from chipwatch.storage.db import Database

from .conftest import Corpus, serving

TOKEN = "feed-key-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _links(client: TestClient, **filters: str) -> dict[str, str]:
    """The Atom and CSV links of the claims page, as whoever holds the token sees them."""
    page = client.get("/claims", params=filters, headers=BEARER).text
    return {kind: html.unescape(re.search(rf'<a href="([^"]+)">{kind}</a>', page).group(1)) for kind in ("Atom", "CSV")}


def _key(link: str) -> str:
    return parse_qs(urlsplit(link).query)["key"][0]


@pytest.fixture
def keyed(db: Database, corpus: Corpus) -> TestClient:
    return TestClient(create_app(db, token=TOKEN), base_url="http://127.0.0.1")


def test_the_claims_page_links_each_feed_with_its_own_key(keyed: TestClient) -> None:
    links = _links(keyed, entity="NVIDIA")
    assert links["Atom"].startswith("/feeds/claims.atom?entity=NVIDIA&key=")
    assert links["CSV"].startswith("/export/claims.csv?entity=NVIDIA&key=")
    assert _key(links["Atom"]) != _key(links["CSV"]) and TOKEN not in str(links)

    atom = keyed.get(links["Atom"])  # no header, no cookie: the URL alone, as a feed reader has it
    assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(atom.content)
    assert feed.bozo == 0 and len(feed.entries) == 3  # the notable NVIDIA claims
    assert _key(links["Atom"]) not in atom.text  # the rel=self link leaves the key out
    exported = keyed.get(links["CSV"])
    assert exported.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))) == 3


def test_a_key_opens_only_its_own_feed_and_only_for_reading(keyed: TestClient, db: Database, corpus: Corpus) -> None:
    atom_key = _key(_links(keyed)["Atom"])
    for path in ("/export/claims.csv", "/api/claims", "/api/alerts", "/", "/alerts", "/openapi.json"):
        assert keyed.get(path, params={"key": atom_key}).status_code == 401, path
        assert keyed.get(path, auth=("reader", atom_key)).status_code == 401, path
    # the one write: refused with the key in the URL or as the Basic password, CSRF token and all
    csrf = keyed.app.state.csrf.token
    failed = corpus.alerts["failed"]
    for attempt in ({"params": {"key": atom_key}}, {"auth": ("reader", atom_key)}):
        post = keyed.post(f"/alerts/{failed}/retry", data={"csrf": csrf}, follow_redirects=False, **attempt)
        assert post.status_code == 401
    assert keyed.get("/api/alerts", params={"state": "failed"}, headers=BEARER).json()["counts"]["failed"] == 1
    assert keyed.get("/feeds/claims.atom", params={"key": atom_key + "x"}).status_code == 401


def test_http_basic_auth_takes_the_feed_key_or_the_token(keyed: TestClient) -> None:
    csv_key = _key(_links(keyed)["CSV"])
    assert keyed.get("/export/claims.csv", auth=("any-name", csv_key)).status_code == 200
    assert keyed.get("/api/claims", auth=("any-name", TOKEN)).status_code == 200  # the token opens everything
    refused = keyed.get("/feeds/claims.atom", auth=("reader", "wrong"))
    assert refused.status_code == 401 and "Basic" in refused.headers["www-authenticate"]
    assert "?key=" in refused.json()["detail"]  # says how a feed reader gets in


def test_changing_the_token_revokes_the_keys(db: Database, corpus: Corpus, keyed: TestClient) -> None:
    old = _links(keyed)["Atom"]
    with TestClient(create_app(db, token=TOKEN + "-rotated"), base_url="http://127.0.0.1") as rotated:
        assert rotated.get(old).status_code == 401


def test_without_a_token_the_links_carry_no_key(client: TestClient) -> None:
    page = client.get("/claims").text
    assert 'href="/feeds/claims.atom"' in page and "key=" not in page


def test_feed_readers_subscribe_to_a_real_server(db: Database, corpus: Corpus) -> None:
    """feedparser fetching the URL itself (urllib), and curl with the key as the Basic password."""

    def make(port: int):  # type: ignore[no-untyped-def]
        return create_app(db, token=TOKEN, allowed_hosts=loopback_names("127.0.0.1", port))

    with serving(make) as base:
        page = httpx.get(base + "/claims", headers=BEARER, timeout=5).text
        atom = html.unescape(re.search(r'<a href="([^"]+)">Atom</a>', page).group(1))
        feed = feedparser.parse(base + atom)
        assert feed.get("status") == 200 and feed.bozo == 0 and len(feed.entries) == 4
        assert httpx.get(base + "/feeds/claims.atom", timeout=5).status_code == 401
        if shutil.which("curl"):
            done = subprocess.run(
                ["curl", "-sS", "-f", "-u", f"reader:{_key(atom)}", base + "/feeds/claims.atom"],
                capture_output=True,
                text=True,
                timeout=20,
            )
            assert done.returncode == 0, done.stderr
            assert feedparser.parse(done.stdout.encode()).entries
