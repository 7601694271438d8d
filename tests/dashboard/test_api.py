"""The JSON API, feed, CSV and health endpoints on SQLite and PostgreSQL (TestClient, real database)."""

from __future__ import annotations

import csv
import io

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from chipwatch.dashboard import create_app
from chipwatch.storage.db import Database

from .conftest import JS_URL, XSS_TEXT, Corpus


def test_claims_newest_first_with_the_interface_shape(client: TestClient) -> None:
    body = client.get("/api/claims").json()
    assert set(body) == {"items", "next_cursor", "prev_cursor"} and body["next_cursor"] is body["prev_cursor"] is None
    assert len(body["items"]) == 5
    ids = [i["id"] for i in body["items"]]
    assert ids == sorted(ids, reverse=True)
    first = body["items"][0]
    assert first["text"] == XSS_TEXT
    for key in (
        "entities",
        "topics",
        "stance",
        "quantities",
        "score",
        "notable",
        "why",
        "article_url",
        "article_title",
        "source",
        "published",
    ):
        assert key in first
    assert first["source"] == "zh-forum" and first["published"].startswith("2026-11-24T08:00")


def test_each_filter_narrows_the_list(client: TestClient) -> None:
    def texts(**params: str) -> set[str]:
        return {i["text"][:6] for i in client.get("/api/claims", params=params).json()["items"]}

    assert texts(entity="NVIDIA") == {"英伟达股价暴", "DeepSe", "NVIDIA"}
    assert texts(entity="TSMC") == {"TSMC r"}
    assert texts(topic="capex") == {"TSMC r"}
    assert texts(stance="bullish") == {"TSMC r"}
    assert texts(language="en") == {"TSMC r", "=HYPER"}
    assert texts(source="en-blog") == {"TSMC r", "=HYPER"}
    assert texts(source="no-such-source") == set()
    assert texts(min_score="0.85") == {"英伟达股价暴", "NVIDIA"}
    assert texts(q="capex") == {"TSMC r"}
    assert texts(q="CAPEX") == {"TSMC r"}  # case-insensitive
    assert texts(q="蒸发") == {"英伟达股价暴"}
    assert texts(q="100%") == set()  # % is matched literally, not as a wildcard
    assert texts(entity="NVIDIA", stance="bearish", min_score="0.8") == {"英伟达股价暴", "NVIDIA"}
    assert texts(since="2000-01-01") == texts()
    assert texts(since="2999-01-01") == set()
    assert texts(until="2000-01-01") == set()


def test_cursor_pagination_walks_every_claim_once(client: TestClient) -> None:
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/claims", params=params).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and len(set(seen)) == 5 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize("filters", [{}, {"entity": "NVIDIA"}], ids=["claims", "tag-index"])
def test_prev_cursors_walk_back_through_the_same_pages(client: TestClient, filters: dict[str, str]) -> None:
    pages: list[list[int]] = []
    body = client.get("/api/claims", params={"limit": "1", **filters}).json()
    assert body["prev_cursor"] is None  # the first page has nothing newer
    while True:
        pages.append([i["id"] for i in body["items"]])
        if body["next_cursor"] is None:
            break
        body = client.get("/api/claims", params={"limit": "1", **filters, "cursor": body["next_cursor"]}).json()
    assert len(pages) >= 3 and all(len(p) == 1 for p in pages)
    back = [pages[-1]]
    while body["prev_cursor"] is not None:
        body = client.get("/api/claims", params={"limit": "1", **filters, "cursor": body["prev_cursor"]}).json()
        back.append([i["id"] for i in body["items"]])
    assert back[::-1] == pages  # the same pages, newest first within each, and the walk stops at the first
    # a page reached going back still pages forward
    again = client.get("/api/claims", params={"limit": "1", **filters, "cursor": body["next_cursor"]}).json()
    assert [i["id"] for i in again["items"]] == pages[1]


def test_bad_parameters_are_400_naming_the_parameter(client: TestClient) -> None:
    for params, word in (
        ({"stance": "angry"}, "stance"),
        ({"min_score": "high"}, "min_score"),
        ({"min_score": "3"}, "min_score"),
        ({"limit": "100000"}, "limit"),
        ({"since": "yesterday"}, "since"),
        ({"cursor": "!!!"}, "cursor"),
    ):
        response = client.get("/api/claims", params=params)
        assert response.status_code == 400 and word in response.json()["detail"], params


def test_article_with_its_claims_and_404(client: TestClient, corpus: Corpus) -> None:
    body = client.get(f"/api/articles/{corpus.articles['zh']}").json()
    assert body["title"] == "英伟达暴跌" and body["source"] == "zh-forum"
    assert [c["stance"] for c in body["claims"]] == ["bearish", "bearish"]
    assert "6000亿美元" in body["text"]
    assert client.get("/api/articles/999999").status_code == 404


def test_sources_mask_secrets(client: TestClient) -> None:
    items = client.get("/api/sources").json()["items"]
    by_name = {s["name"]: s for s in items}
    assert set(by_name) == {"zh-forum", "en-blog"}
    assert "SECRETKEY123" not in str(items) and "apikey=***" in by_name["zh-forum"]["url"]
    assert by_name["zh-forum"]["articles"] == 2


def test_alerts_with_counts_and_state_filter(client: TestClient, corpus: Corpus) -> None:
    body = client.get("/api/alerts").json()
    assert body["counts"] == {"pending": 1, "sent": 1, "failed": 1, "unknown": 0, "dead": 0, "cancelled": 0}
    assert [a["id"] for a in body["items"]] == sorted(corpus.alerts.values(), reverse=True)
    failed = client.get("/api/alerts", params={"state": "failed"}).json()["items"]
    assert [a["id"] for a in failed] == [corpus.alerts["failed"]] and failed[0]["last_error"] == "HTTP 500"
    assert client.get("/api/alerts", params={"state": "weird"}).status_code == 400


def test_entity_daily_counts(client: TestClient) -> None:
    body = client.get("/api/entities/NVIDIA/daily").json()
    assert sum(d["count"] for d in body["days"]) == 3
    assert {d["stance"] for d in body["days"]} == {"bearish"}


def test_atom_feed_is_valid_and_lists_notable_claims_only(client: TestClient) -> None:
    response = client.get("/feeds/claims.atom", params={"entity": "NVIDIA"})
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert len(feed.entries) == 3  # the three notable NVIDIA claims
    hostile = next(e for e in feed.entries if "script" in e.title)
    assert hostile.title.startswith("NVIDIA <script>")  # carried as text, escaped in the XML
    assert b"<script>" not in response.content
    assert not hostile.link.startswith("javascript:")
    everything = feedparser.parse(client.get("/feeds/claims.atom").content)
    assert everything.bozo == 0 and len(everything.entries) == 4  # the score-0.3 AMD claim is not notable


def test_csv_export_follows_the_filter_and_neutralises_formulas(client: TestClient) -> None:
    response = client.get("/export/claims.csv", params={"language": "en"})
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 2
    amd = next(r for r in rows if "AMD" in r["entities"])
    assert amd["text"].startswith("'=HYPERLINK")
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values() if v)


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/claims",
        "/api/articles/{article_id}",
        "/api/sources",
        "/api/alerts",
        "/feeds/claims.atom",
        "/healthz",
    ):
        assert path in spec["paths"]
    names = {p["name"] for p in spec["paths"]["/api/claims"]["get"]["parameters"]}
    assert {"entity", "topic", "stance", "language", "source", "min_score", "since", "q", "limit", "cursor"} <= names
    assert client.get("/docs").status_code == 404  # Swagger UI would load scripts from a CDN


def test_healthz_ok_and_503_when_the_database_is_gone(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}
    # A closed loopback port: the database cannot answer.
    engine = create_engine("postgresql+psycopg://u@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    down = Database(engine=engine, sessions=sessionmaker(engine))
    with TestClient(create_app(down)) as c:
        response = c.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"
    engine.dispose()


def test_api_never_returns_a_javascript_url_as_a_link_target(client: TestClient, corpus: Corpus) -> None:
    # The API reports data as stored (clients escape it); the pages and feed are what must keep it inert.
    body = client.get(f"/api/articles/{corpus.articles['xss']}").json()
    assert body["url"] == JS_URL
