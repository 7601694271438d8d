"""Dashboard fixtures: a small stored corpus (with a hostile article) and a test client over it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, text, update

from chipwatch.dashboard import create_app
from chipwatch.storage import outbox
from chipwatch.storage.articles import NewArticle, add_articles, mark_processed
from chipwatch.storage.claims import add_claims
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert, Article, ArticleAlias, Claim, DigestItem, Source
from chipwatch.storage.sources import SourceSpec, sync_sources

XSS_TEXT = 'NVIDIA <script>document.title="pwned"</script> 股价暴跌17%'
JS_URL = "javascript:document.title='pwned'"


def claim(text: str, entities: list[str], stance: str = "neutral", score: float = 0.5, **extra: object) -> dict:
    return {
        "text": text,
        "entities": entities,
        "topics": extra.get("topics", ["market"]),
        "stance": stance,
        "quantities": extra.get("quantities", []),
        "score": score,
        "notable": score >= 0.6,
        "why": [f"entity {e}" for e in entities],
    }


@dataclass
class Corpus:
    articles: dict[str, int]
    alerts: dict[str, int]


def _article(
    db: Database, source_id: int, key: str, title: str, url: str, text: str, language: str, claims: list[dict]
) -> int:
    with db.session() as s, s.begin():
        (aid,) = add_articles(
            s,
            [
                NewArticle(
                    source_id=source_id,
                    url=url,
                    canonical_url=f"http://127.0.0.1:9/{key}",
                    guid=key,
                    title=title,
                    published=datetime(2026, 11, 24, 8, tzinfo=UTC),
                    content_type="text/html",
                    raw=b"<p>x</p>",
                )
            ],
        )
        add_claims(s, aid, f"http://127.0.0.1:9/{key}", language, claims)
        mark_processed(s, aid, text=text, title=title, language=language, content_hash=key)
    return aid


def seed_corpus(db: Database) -> Corpus:
    """Three articles from two sources: zh bearish on NVIDIA, en bullish on TSMC/AMD, and a hostile one."""
    with db.session() as s, s.begin():
        rows = sync_sources(
            s,
            [
                SourceSpec("zh-forum", "feed", "http://127.0.0.1:9/zh.xml?apikey=SECRETKEY123"),
                SourceSpec("en-blog", "feed", "http://127.0.0.1:9/en.xml"),
            ],
        )
        zh, en = rows["zh-forum"].id, rows["en-blog"].id
    zh_claims = [
        claim(
            "英伟达股价暴跌17%，市值单日蒸发6000亿美元。",
            ["NVIDIA"],
            "bearish",
            0.9,
            quantities=[
                {"value": 17, "unit": "%", "text": "17%"},
                {"value": 600000000000, "unit": "USD", "text": "6000亿美元"},
            ],
        ),
        claim(
            "DeepSeek训练成本降到1/45。",
            ["DeepSeek", "NVIDIA"],
            "bearish",
            0.7,
            topics=["training"],
            quantities=[{"value": 0.0222, "unit": "x", "text": "1/45"}],
        ),
    ]
    en_claims = [
        claim(
            "TSMC raised capex to 42 billion dollars.",
            ["TSMC"],
            "bullish",
            0.8,
            topics=["capex"],
            quantities=[{"value": 42000000000, "unit": "USD", "text": "42 billion dollars"}],
        ),
        claim('=HYPERLINK("http://127.0.0.1:9/x") AMD shipped MI300 units.', ["AMD"], "neutral", 0.3),
    ]
    articles = {
        "zh": _article(
            db,
            zh,
            "zh1",
            "英伟达暴跌",
            "http://127.0.0.1:9/zh1",
            "开头。" + zh_claims[0]["text"] + "中间。" + zh_claims[1]["text"] + "结尾。",
            "zh",
            zh_claims,
        ),
        "en": _article(
            db,
            en,
            "en1",
            "TSMC capex",
            "http://127.0.0.1:9/en1",
            "Intro. " + en_claims[0]["text"] + " " + en_claims[1]["text"],
            "en",
            en_claims,
        ),
        "xss": _article(
            db,
            zh,
            "xss1",
            '<img src=x onerror="document.title=1">',
            JS_URL,
            "before " + XSS_TEXT + " after",
            "zh",
            [claim(XSS_TEXT, ["NVIDIA"], "bearish", 0.95)],
        ),
    }
    base = {"rule": "r", "target_hash": "h", "title": "t", "body": "b", "claim_id": None}
    with db.session() as s, s.begin():
        ids = outbox.enqueue(
            s,
            [
                {**base, "dedup_key": "k-sent", "target": "json://127.0.0.1:9/hook"},
                {**base, "dedup_key": "k-failed", "target": "tgram://***"},
                {**base, "dedup_key": "k-pending", "target": "json://127.0.0.1:9/hook"},
            ],
            [],
        )
        sent, failed, pending = ids
        s.execute(update(Alert).where(Alert.id == sent).values(state="sent", attempts=1, sent_at=datetime.now(UTC)))
        s.execute(
            update(Alert)
            .where(Alert.id == failed)
            .values(
                state="failed",
                attempts=3,
                last_error="HTTP 500",
                next_attempt_at=datetime.now(UTC) + timedelta(hours=1),
            )
        )
    return Corpus(articles, {"sent": sent, "failed": failed, "pending": pending})


GROWING_TABLES = ("articles", "article_aliases", "claims", "alerts", "alert_digest_items")


def start_ids_at(db: Database, first: int) -> Callable[[], None]:
    """Make the next article, alias, claim, alert and digest-item ids `first` and up, as a database that has
    stored that many rows would number them. PostgreSQL: each id sequence set. SQLite, which numbers a row
    max(id) + 1: one placeholder row at `first - 1` per table; call the returned function once the real rows
    are in, to remove them."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            for table in GROWING_TABLES:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {first - 1})"))
        return lambda: None
    n = first - 1
    now = datetime.now(UTC)
    with db.session() as s, s.begin():
        s.add(Source(id=99, name="placeholder", kind="feed"))
        s.flush()
        s.add(Article(id=n, source_id=99, url="-", canonical_url="placeholder", status="duplicate"))
        s.flush()
        s.add(ArticleAlias(id=n, url="placeholder", article_id=n, reason="canonical"))
        s.add(Claim(id=n, article_id=n, fingerprint="placeholder", text="-", stance="neutral", score=0, created_at=now))
        s.flush()
        s.add(Alert(id=n, dedup_key="placeholder", rule="r", target_hash="h", target="-", title="-", body="-"))
        s.add(DigestItem(id=n, rule="r", claim_id=n, reason="digest"))

    def remove() -> None:
        with db.session() as s, s.begin():
            for model in (DigestItem, Alert, ArticleAlias, Claim, Article):
                s.execute(delete(model).where(model.id == n))
            s.execute(delete(Source).where(Source.id == 99))

    return remove


@pytest.fixture
def corpus(db: Database) -> Corpus:
    return seed_corpus(db)


@pytest.fixture
def client(db: Database, corpus: Corpus) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url="http://127.0.0.1") as c:
        yield c


@contextmanager
def serving(make_app: Callable[[int], FastAPI]) -> Iterator[str]:
    """uvicorn in a thread on a free 127.0.0.1 port; `make_app` gets the port (the Host check needs it).
    Yields the base URL and stops the server afterwards."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(port), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        assert server.started, "uvicorn did not start within 15 s"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
