"""DNS rebinding and redirects (issue 16, item 6): serving on loopback answers only its own names, writes only
from its own pages, and every redirect it sends stays on the site. SQLite and PostgreSQL; TestClient and a
real uvicorn on a loopback port."""

from __future__ import annotations

import http.client
import re
import socket
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from chipwatch.dashboard import create_app
from chipwatch.dashboard.host_guard import loopback_names
from chipwatch.storage.db import Database

from .conftest import Corpus, serving

PORT = 8000
OWN = ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST:8000")
FOREIGN = ("evil.example:8000", "127.0.0.1.nip.io:8000", "127.0.0.1:8001", "localhost", "evil.example", "")
TOKEN = "host-guard-token-0123456789"
# Paths that, copied into a Location header as they are, would send a browser to evil.example.
HOSTILE_PATHS = (
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example/x",
    "/%2F%2Fevil.example/x",
    "/%5Cevil.example/x",
    "/%2F%5Cevil.example/x",
    "/%09/evil.example/x",
    "/%0A/evil.example/x",
)


def _assert_same_site(location: str) -> None:
    """A redirect target a browser resolves to this site, whatever page it is read on."""
    assert location.startswith("/") and location[1:2] not in ("/", "\\"), location
    assert not any(ch in location for ch in "\t\r\n\\"), location
    for base in ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/a/b/c"):
        assert urlsplit(urljoin(base, location)).netloc == "127.0.0.1:8000", location


@pytest.fixture
def guarded(db: Database, corpus: Corpus) -> TestClient:
    return TestClient(create_app(db, allowed_hosts=loopback_names("127.0.0.1", PORT)), base_url="http://127.0.0.1:8000")


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/alerts").text).group(1)


def test_loopback_names_cover_the_host_given_and_the_port() -> None:
    assert loopback_names("127.0.0.1", 8000) == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert "127.0.0.2:8080" in loopback_names("127.0.0.2", 8080)
    assert "[::1]:8080" in loopback_names("::1", 8080) and "localhost:8080" in loopback_names("localhost", 8080)
    assert {"127.0.0.1", "localhost", "[::1]", "127.0.0.1:80"} <= loopback_names("127.0.0.1", 80)


def test_only_the_names_it_was_started_with_are_answered(guarded: TestClient) -> None:
    for host in OWN:
        for path in ("/", "/api/claims", "/alerts", "/healthz"):
            assert guarded.get(path, headers={"Host": host}).status_code == 200, (host, path)
    for host in FOREIGN:
        api = guarded.get("/api/claims", headers={"Host": host})
        assert api.status_code == 400 and "is not a name this server answers to" in api.json()["detail"], host
        assert "127.0.0.1:8000" in api.json()["detail"]  # says which names work
        page = guarded.get("/alerts", headers={"Host": host})
        assert page.status_code == 400 and 'name="csrf"' not in page.text, host
        assert page.headers["x-frame-options"] == "DENY"  # refusals carry the security headers too


def test_a_rebound_page_can_neither_read_nor_retry(guarded: TestClient, db: Database, corpus: Corpus) -> None:
    """What the attack does: evil.example now resolves to 127.0.0.1, so its script's requests are same-origin
    to the browser and carry `Host: evil.example:8000`."""
    rebound = {"Host": "evil.example:8000", "Sec-Fetch-Site": "same-origin", "Origin": "null"}
    assert guarded.get("/alerts", headers=rebound).status_code == 400  # cannot read the CSRF token...
    csrf = _csrf(guarded)  # ...and even holding it, cannot post
    failed = corpus.alerts["failed"]
    post = guarded.post(f"/alerts/{failed}/retry", data={"csrf": csrf}, headers=rebound, follow_redirects=False)
    assert post.status_code == 400
    assert [a["id"] for a in guarded.get("/api/alerts", params={"state": "failed"}).json()["items"]] == [failed]


def test_writes_must_come_from_a_page_of_its_own_names(guarded: TestClient, corpus: Corpus) -> None:
    csrf, failed = _csrf(guarded), corpus.alerts["failed"]
    for origin in ("http://evil.example:8000", "http://127.0.0.1:8001", "https://127.0.0.1:8000"):
        post = guarded.post(
            f"/alerts/{failed}/retry", data={"csrf": csrf}, headers={"Origin": origin}, follow_redirects=False
        )
        assert post.status_code == 403 and "another site" in post.text, origin
    assert guarded.get("/api/alerts").json()["counts"]["failed"] == 1
    # a form on the dashboard opened as http://localhost:8000 posts with that origin (and Host)
    own = {"Origin": "http://localhost:8000", "Host": "localhost:8000"}
    done = guarded.post(f"/alerts/{failed}/retry", data={"csrf": csrf}, headers=own, follow_redirects=False)
    assert done.status_code == 303
    _assert_same_site(done.headers["location"])


def test_the_host_check_comes_before_the_token(db: Database, corpus: Corpus) -> None:
    app = create_app(db, token=TOKEN, allowed_hosts=loopback_names("127.0.0.1", PORT))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert c.get("/api/claims", headers=bearer).status_code == 200
        assert c.get("/api/claims", headers={**bearer, "Host": "evil.example:8000"}).status_code == 400


def test_without_names_given_any_host_is_answered(client: TestClient) -> None:
    # create_app without allowed_hosts (tests, embedding): `chipwatch serve` off loopback relies on the token
    assert client.get("/api/claims", headers={"Host": "dashboard.example.org"}).status_code == 200


def test_the_token_swap_redirect_stays_on_the_site(db: Database, corpus: Corpus) -> None:
    with TestClient(create_app(db, token=TOKEN), base_url="http://127.0.0.1:8000") as c:
        for path in HOSTILE_PATHS:
            response = c.get(f"http://127.0.0.1:8000{path}?token={TOKEN}&entity=TSMC", follow_redirects=False)
            assert response.status_code == 303, path
            location = response.headers["location"]
            _assert_same_site(location)
            assert TOKEN not in location and location.endswith("?entity=TSMC"), location
        plain = c.get("/", params={"token": TOKEN, "entity": "台積電"}, follow_redirects=False)
        assert plain.headers["location"] == "/?entity=%E5%8F%B0%E7%A9%8D%E9%9B%BB"


def test_redirects_of_a_real_server_stay_on_the_site(db: Database, corpus: Corpus) -> None:
    """The raw request line, as a browser or script sends it, through uvicorn's own path decoding."""

    def make(port: int):  # type: ignore[no-untyped-def]
        return create_app(db, token=TOKEN, allowed_hosts=loopback_names("127.0.0.1", port))

    with serving(make) as base:
        port = urlsplit(base).port
        for path in HOSTILE_PATHS:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", f"{path}?token={TOKEN}")
            response = conn.getresponse()
            assert response.status == 303, (path, response.status)
            _assert_same_site(response.getheader("location") or "")
            conn.close()
        evil = httpx.get(base + "/api/claims", headers={"Host": f"evil.example:{port}"}, timeout=5)
        assert evil.status_code == 400 and evil.json()["detail"].startswith("Host 'evil.example")
        assert httpx.get(f"http://localhost:{port}/healthz", timeout=5).status_code == 200
        # HTTP/1.0 allows leaving Host out: nothing to check it against, so refused
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(b"GET /api/claims HTTP/1.0\r\n\r\n")
            answer = raw.makefile("rb").read()
        assert answer.startswith(b"HTTP/1.1 400") and b"is not a name this server answers to" in answer
