"""A small corpus of clustered claims: one NVIDIA revenue fact in zh/ja/en from three sources, a contradicting
estimate, a later quarter, and an event; the quantities carry `metric`, `period` and `entity` explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from chipwatch.storage.articles import NewArticle, add_articles, mark_processed
from chipwatch.storage.claims import add_claims
from chipwatch.storage.db import Database
from chipwatch.storage.models import Claim, ClaimCluster
from chipwatch.storage.sources import SourceSpec, sync_sources

B = 1_000_000_000
SOURCES = ("cn-wire", "jp-daily", "us-wire", "forum")


def revenue(value: float, period: str = "FY2026Q2", text: str = "") -> dict[str, Any]:
    return {"value": value, "unit": "USD", "text": text or str(value), "metric": "revenue", "period": period,
            "entity": "NVIDIA"}  # fmt: skip


def claim(text: str, quantities: list[dict[str, Any]], stance: str = "neutral", topics: list[str] | None = None):
    return {
        "text": text,
        "entities": ["NVIDIA"],
        "topics": topics or ["earnings"],
        "stance": stance,
        "quantities": quantities,
        "score": 0.8,
        "notable": True,
        "why": ["entity NVIDIA"],
    }


@dataclass
class Clustered:
    fact_claims: list[int]  # the three of one fact, in the order stored
    estimate: int  # the contradicting figure
    next_quarter: int
    event: int


def store(db: Database, source_id: int, key: str, language: str, c: dict[str, Any], when: datetime) -> int:
    url = f"http://127.0.0.1:9/{key}"
    with db.session() as s, s.begin():
        (aid,) = add_articles(s, [NewArticle(source_id, url, url, key, key, when, "text/html", b"<p>x</p>")])
        (cid,) = add_claims(s, aid, url, language, [c])
        mark_processed(s, aid, text=c["text"], title=key, language=language, content_hash=key)
        # The fact's history: stored days apart, so the timeline has a time axis.
        s.execute(update(Claim).where(Claim.id == cid).values(created_at=when))
        s.execute(
            update(ClaimCluster).where(ClaimCluster.first_claim_id == cid).values(first_seen=when, last_seen=when)
        )
    return cid


def seed_clusters(db: Database) -> Clustered:
    with db.session() as s, s.begin():
        rows = sync_sources(s, [SourceSpec(n, "feed", f"http://127.0.0.1:9/{n}.xml") for n in SOURCES])
        ids = {n: rows[n].id for n in SOURCES}
    t0 = datetime.now(UTC) - timedelta(days=3)
    zh = store(
        db, ids["cn-wire"], "zh1", "zh", claim("英伟达第二财季营收467亿美元", [revenue(46.7 * B, text="467亿美元")]), t0
    )
    ja = store(
        db, ids["jp-daily"], "ja1", "ja", claim("エヌビディアの5-7月期売上高は467億ドル", [revenue(46.7 * B)]), t0
    )
    en = store(
        db, ids["us-wire"], "en1", "en", claim("Nvidia posted Q2 revenue of $46.74 billion", [revenue(46.74 * B)]), t0
    )
    est = store(
        db, ids["forum"], "f1", "en", claim("NVDA Q2 revenue was only $44 billion", [revenue(44 * B)], "bearish"), t0
    )
    nxt = store(
        db, ids["us-wire"], "en2", "en", claim("Nvidia guided Q3 revenue of $54 billion", [revenue(54 * B, "FY2026Q3")]),
        t0 + timedelta(days=2),
    )  # fmt: skip
    ev = store(db, ids["cn-wire"], "zh2", "zh", claim("美国限制英伟达H20出口", [], "bearish", ["export_controls"]), t0)
    return Clustered([zh, ja, en], est, nxt, ev)
