"""Every bad parameter is a 400 naming it, every missing id a 404, on SQLite and PostgreSQL: the inputs that
gave 500s before (issue 16, item 4), one by one, and ids past 2^31 through the whole app."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient

from chipwatch.dashboard import create_app
from chipwatch.storage.db import Database

from .conftest import Corpus, seed_corpus, start_ids_at

CLAIM_PARAMS = ("entity", "topic", "stance", "language", "source", "min_score", "since", "until", "q", "withdrawn")
PAST_2_31 = 2**31 + 1000
PAST_2_63 = 2**63


def _cursor(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}{position}".encode()).decode().rstrip("=")


def _refused(response, status: int, *words: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.text[:300])
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, (word, detail)
    return detail


@pytest.mark.parametrize("path", ["/api/claims", "/feeds/claims.atom", "/export/claims.csv"])
def test_a_nul_character_in_any_filter_is_a_400_naming_it(client: TestClient, path: str) -> None:
    for name in (*CLAIM_PARAMS, "limit", "cursor"):
        _refused(client.get(path, params={name: "NVIDIA\x00"}), 400, repr(name), "NUL")
    page = client.get("/", params={"q": "\x00"})
    assert page.status_code == 400 and "'q'" in page.text and "NUL" in page.text
    _refused(client.get("/api/entities/NVIDIA%00/daily"), 400, "NUL")
    assert client.get("/entities/%00").status_code == 400


def test_times_without_a_utc_form_are_a_400(client: TestClient) -> None:
    for name in ("since", "until"):
        for value in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
            _refused(client.get("/api/claims", params={name: value}), 400, name, "years 1 to 9999")
    # the edges that do have a UTC form still work
    assert client.get("/api/claims", params={"since": "0001-01-01T00:00:00+00:00"}).json()["items"]
    assert client.get("/api/claims", params={"until": "9999-12-31T23:59:59-00:00"}).json()["items"]


def test_numbers_in_other_scripts_are_a_400(client: TestClient) -> None:
    for value in ("²", "١٢", "𝟡"):
        _refused(client.get("/api/claims", params={"limit": value}), 400, "limit", "whole number")
        _refused(client.get("/api/claims", params={"since": value + "d"}), 400, "since")
        _refused(client.get("/api/claims", params={"cursor": _cursor("c", 1)[:-1] + value}), 400, "cursor")


def test_cursors_past_2_31_work_and_past_2_63_are_a_400(client: TestClient) -> None:
    for kind in ("c", "n"):
        assert client.get("/api/claims", params={"cursor": _cursor(kind, PAST_2_31)}).status_code == 200
        assert client.get("/api/claims", params={"cursor": _cursor(kind, 2**63 - 1)}).status_code == 200
        for position in (PAST_2_63, 2**64, 10**30):
            _refused(client.get("/api/claims", params={"cursor": _cursor(kind, position)}), 400, "cursor")
    newest = client.get("/api/claims", params={"cursor": _cursor("c", PAST_2_31)}).json()["items"]
    assert len(newest) == 5  # every claim is below that cursor
    assert client.get("/api/alerts", params={"cursor": _cursor("c", PAST_2_31)}).json()["items"]
    _refused(client.get("/api/alerts", params={"cursor": _cursor("c", PAST_2_63)}), 400, "cursor")
    assert client.get("/alerts", params={"cursor": _cursor("c", PAST_2_63)}).status_code == 200  # page: ignored


def test_missing_ids_are_404_whatever_their_size(client: TestClient, corpus: Corpus) -> None:
    csrf = client.app.state.csrf.token
    for missing in (0, -1, 999_999, PAST_2_31, 2**63 - 1, PAST_2_63, 10**30, -(10**30)):
        _refused(client.get(f"/api/articles/{missing}"), 404, str(missing))
        assert client.get(f"/articles/{missing}").status_code == 404
        retry = client.post(f"/alerts/{missing}/retry", data={"csrf": csrf}, follow_redirects=False)
        assert retry.status_code == 404 and f"alert {missing} not found" in retry.text
    sent = client.post(f"/alerts/{corpus.alerts['sent']}/retry", data={"csrf": csrf}, follow_redirects=False)
    assert sent.status_code == 409 and "is sent, not failed or dead" in sent.text


def test_values_the_typed_parameters_refuse_are_a_400_not_a_422(client: TestClient) -> None:
    _refused(client.get("/api/articles/abc"), 400, "article_id", "'abc'", "integer")
    _refused(client.get("/api/alerts", params={"limit": "0"}), 400, "limit", "greater than or equal to 1")
    _refused(client.get("/api/alerts", params={"limit": "many"}), 400, "limit")
    _refused(client.get("/api/entities/NVIDIA/daily", params={"days": "99999"}), 400, "days")
    page = client.get("/entities/NVIDIA", params={"days": "week"})
    assert page.status_code == 400 and "days" in page.text
    assert client.get("/articles/1e3").status_code == 400


def test_ids_past_2_31_through_the_whole_app(db: Database) -> None:
    """A database that has stored more than 2^31 articles, claims and alerts: every id still fits, pages, links."""
    remove_placeholders = start_ids_at(db, PAST_2_31)
    corpus = seed_corpus(db)
    remove_placeholders()
    assert min(corpus.articles.values()) >= PAST_2_31 and min(corpus.alerts.values()) >= PAST_2_31
    with TestClient(create_app(db), base_url="http://127.0.0.1") as c:
        seen: list[int] = []
        body = c.get("/api/claims", params={"limit": "2"}).json()
        while True:
            seen += [item["id"] for item in body["items"]]
            if body["next_cursor"] is None:
                break
            body = c.get("/api/claims", params={"limit": "2", "cursor": body["next_cursor"]}).json()
        assert len(seen) == 5 and min(seen) >= PAST_2_31
        article = c.get(f"/api/articles/{corpus.articles['zh']}").json()
        assert article["id"] == corpus.articles["zh"] and len(article["claims"]) == 2
        assert re.search(rf'href="/articles/{corpus.articles["en"]}"', c.get("/claims").text)
        failed = corpus.alerts["failed"]
        retry = c.post(f"/alerts/{failed}/retry", data={"csrf": c.app.state.csrf.token}, follow_redirects=False)
        assert retry.status_code == 303 and retry.headers["location"] == f"/alerts?done={failed}"
        assert c.get("/api/alerts", params={"state": "pending"}).json()["counts"]["pending"] == 2
