"""Dashboard fixtures: a small stored corpus (with a hostile article) and a test client over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from chipwatch.dashboard import create_app
from chipwatch.storage import outbox
from chipwatch.storage.articles import NewArticle, add_articles, mark_processed
from chipwatch.storage.claims import add_claims
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert
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


@pytest.fixture
def corpus(db: Database) -> Corpus:
    return seed_corpus(db)


@pytest.fixture
def client(db: Database, corpus: Corpus) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url="http://127.0.0.1") as c:
        yield c
