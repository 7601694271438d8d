"""Pages rendered by the server: filters, escaping of hostile text, secrets masked, token, CSRF retry."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from chipwatch.cli.serve_cmd import check_bind, resolve_token
from chipwatch.config import ConfigError
from chipwatch.dashboard import create_app
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert

from .conftest import Corpus

TOKEN = "t0ken-for-tests-0123456789"


def test_claims_page_lists_and_filters(client: TestClient) -> None:
    page = client.get("/claims").text
    assert "英伟达股价暴跌17%" in page and "TSMC raised capex" in page
    filtered = client.get("/", params={"entity": "TSMC", "min_score": ""}).text  # empty form fields are ignored
    assert "TSMC raised capex" in filtered and "英伟达股价暴跌" not in filtered
    assert 'href="/export/claims.csv?entity=TSMC' in filtered and "/feeds/claims.atom?entity=TSMC" in filtered


def test_bad_filter_shows_the_reason_on_the_page(client: TestClient) -> None:
    response = client.get("/", params={"min_score": "lots"})
    assert response.status_code == 400 and "min_score" in response.text and "from 0 to 1" in response.text


def test_page_pagination_links(client: TestClient) -> None:
    first = client.get("/", params={"limit": "2"}).text
    older = re.search(r'class="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).text
    assert "newest" in second and "older" in second
    newer = re.search(r'class="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    back = client.get(newer).text
    ids = re.compile(r'href="/articles/(\d+)')
    assert ids.findall(back) == ids.findall(first)  # back on the first page, which links no newer page
    assert 'class="prev"' not in back and "newest" not in back and 'class="next"' in back


def test_hostile_text_is_escaped_and_javascript_links_are_inert(client: TestClient, corpus: Corpus) -> None:
    for path in ("/", f"/articles/{corpus.articles['xss']}", "/entities/NVIDIA"):
        html = client.get(path).text
        assert "<script>document.title" not in html, path
        if path != "/entities/NVIDIA":  # that page lists only claims with numbers
            assert "&lt;script&gt;" in html, path
        assert 'href="javascript:' not in html.lower(), path
        assert "<img src=x" not in html, path
    article = client.get(f"/articles/{corpus.articles['xss']}")
    assert "script-src" not in article.headers["content-security-policy"]  # default-src 'none' forbids scripts
    assert "default-src 'none'" in article.headers["content-security-policy"]


def test_article_page_highlights_its_claims(client: TestClient, corpus: Corpus) -> None:
    html = client.get(f"/articles/{corpus.articles['zh']}").text
    marks = re.findall(r'<a class="hl stance-bearish" href="#claim-\d+">([^<]+)</a>', html)
    assert marks == ["英伟达股价暴跌17%，市值单日蒸发6000亿美元。", "DeepSeek训练成本降到1/45。"]
    assert client.get("/articles/999999").status_code == 404


def test_entity_page_draws_a_chart_and_notable_numbers(client: TestClient) -> None:
    html = client.get("/entities/NVIDIA").text
    assert html.count('<rect class="bar bearish"') == 1  # one day, one stance
    assert "6000亿美元" in html and "1/45" in html


def test_sources_and_alerts_pages_mask_secrets(client: TestClient) -> None:
    sources = client.get("/sources").text
    assert "SECRETKEY123" not in sources and "apikey=***" in sources
    alerts = client.get("/alerts").text
    assert "failed (1)" in alerts and "tgram://***" in alerts


def test_alert_retry_needs_post_and_the_csrf_token(client: TestClient, corpus: Corpus, db: Database) -> None:
    failed = corpus.alerts["failed"]
    page = client.get("/alerts").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert client.get(f"/alerts/{failed}/retry").status_code == 405
    assert client.post(f"/alerts/{failed}/retry", data={"csrf": "wrong"}).status_code == 403
    cross = client.post(f"/alerts/{failed}/retry", data={"csrf": csrf}, headers={"Origin": "http://evil.invalid"})
    assert cross.status_code == 403
    assert client.get("/api/alerts", params={"state": "failed"}).json()["items"]  # still failed
    done = client.post(f"/alerts/{failed}/retry", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    with db.session() as s:
        row = s.get_one(Alert, failed)
        # The full attempt budget again, as from `chipwatch alerts retry` (tests/alerts/test_alerts_cli.py).
        assert (row.state, row.attempts, row.claimed_by, row.lease_until) == ("pending", 0, None, None)
    assert client.get("/api/alerts").json()["counts"] == {
        "pending": 2,
        "sent": 1,
        "failed": 0,
        "unknown": 0,
        "dead": 0,
        "cancelled": 0,
    }
    sent = corpus.alerts["sent"]
    assert client.post(f"/alerts/{sent}/retry", data={"csrf": csrf}).status_code == 409  # sent alerts are never resent


def test_token_guards_every_page_and_api_call(db: Database, corpus: Corpus) -> None:
    with TestClient(create_app(db, token=TOKEN), base_url="http://127.0.0.1") as c:
        for path in (
            "/",
            "/api/claims",
            "/api/sources",
            "/api/alerts",
            f"/articles/{corpus.articles['zh']}",
            "/feeds/claims.atom",
            "/export/claims.csv",
            "/openapi.json",
            "/sources",
            "/alerts",
        ):
            assert c.get(path).status_code == 401, path
            assert c.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401, path
            assert c.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200, path
        assert c.get("/healthz").status_code == 200  # probes need no secret
        landing = c.get("/", params={"token": TOKEN, "entity": "TSMC"}, follow_redirects=False)
        assert landing.status_code == 303 and TOKEN not in landing.headers["location"]
        assert "TSMC" in landing.headers["location"]
        assert c.get("/sources").status_code == 200  # the cookie set on landing now admits the browser


def test_serve_refuses_a_public_address_without_a_token() -> None:
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    with pytest.raises(ConfigError, match="token"):
        check_bind("0.0.0.0", None)
    with pytest.raises(ConfigError, match="16"):
        check_bind("0.0.0.0", "short")
    check_bind("0.0.0.0", TOKEN)
    assert resolve_token("from-config-xxxxxxxx", {"CHIPWATCH_TOKEN": TOKEN}) == TOKEN
    assert resolve_token("from-config-xxxxxxxx", {}) == "from-config-xxxxxxxx"
    assert resolve_token(None, {"CHIPWATCH_TOKEN": " "}) is None
