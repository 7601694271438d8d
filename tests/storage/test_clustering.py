"""Claim clusters in storage: the same fact across sources and languages, tolerance, units, events,
contradictions, and two workers storing one fact at once (on PostgreSQL, with real concurrent transactions)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from chipwatch.storage.articles import NewArticle, add_articles
from chipwatch.storage.claims import add_claims
from chipwatch.storage.db import Database, open_database
from chipwatch.storage.models import Claim, ClaimCluster, Contradiction
from chipwatch.storage.sources import SourceSpec, sync_sources

B = 1_000_000_000


def fact(value: float, unit: str = "USD", metric: str = "revenue", period: str = "FY2026Q2", entity: str = "NVIDIA"):
    return {"value": value, "unit": unit, "text": str(value), "metric": metric, "period": period, "entity": entity}


def claim(text: str, quantities: list[dict[str, Any]], stance: str = "neutral", **extra: Any) -> dict[str, Any]:
    return {
        "text": text,
        "entities": extra.get("entities", ["NVIDIA"]),
        "topics": extra.get("topics", ["earnings"]),
        "stance": stance,
        "quantities": quantities,
        "score": 0.8,
        "notable": True,
        "why": [],
    }


class Store:
    """Stores one article per call, from a named source, in its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.n = 0
        names = ["xinhua", "nikkei", "reuters", "forum", "blog"]
        with db.session() as s, s.begin():
            rows = sync_sources(s, [SourceSpec(n, "feed", f"http://127.0.0.1:9/{n}.xml") for n in names])
            self.sources = {n: r.id for n, r in rows.items()}

    def __call__(self, source: str, language: str, *claims: dict[str, Any]) -> list[int]:
        with self.db.session() as s, s.begin():
            return self.add(s, source, language, *claims)

    def add(self, s: Any, source: str, language: str, *claims: dict[str, Any]) -> list[int]:
        self.n += 1
        key = f"http://127.0.0.1:9/{source}/{self.n}-{threading.get_ident()}"
        (aid,) = add_articles(s, [NewArticle(self.sources[source], key, key, key, None, None, None, None)])
        return add_claims(s, aid, key, language, list(claims))


def clusters(db: Database) -> list[ClaimCluster]:
    with db.session() as s:
        return list(s.scalars(select(ClaimCluster).order_by(ClaimCluster.id)))


def placed(db: Database, ids: list[int]) -> list[tuple[int | None, str | None]]:
    with db.session() as s:
        rows = s.execute(select(Claim.cluster_id, Claim.novelty).where(Claim.id.in_(ids)).order_by(Claim.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_one_fact_in_three_languages_is_one_cluster(db: Database) -> None:
    store = Store(db)
    zh = store("xinhua", "zh", claim("英伟达第二财季营收467亿美元", [fact(46.7 * B)]))
    ja = store("nikkei", "ja", claim("エヌビディアの5-7月期売上高は467億ドル", [fact(46.7 * B)]))
    en = store("reuters", "en", claim("Nvidia posted Q2 revenue of $46.74 billion", [fact(46.74 * B)]))
    (only,) = clusters(db)
    assert (only.kind, only.entity, only.metric, only.period, only.unit) == (
        "fact",
        "NVIDIA",
        "revenue",
        "FY2026Q2",
        "USD",
    )
    assert only.size == 3 and only.source_count == 3 and only.languages == ["en", "ja", "zh"]
    assert only.first_claim_id == zh[0] and sorted(only.values) == [46.7 * B, 46.74 * B]
    assert placed(db, zh + ja + en) == [(only.id, "started"), (only.id, None), (only.id, None)]


def test_different_units_periods_and_values_are_different_facts(db: Database) -> None:
    store = Store(db)
    store("xinhua", "zh", claim("营收467亿美元", [fact(46.7 * B)]))
    store("xinhua", "zh", claim("营收467亿元", [fact(46.7 * B, unit="CNY")]))  # no currency conversion
    store("nikkei", "ja", claim("前年同期は300億ドル", [fact(46.7 * B, period="FY2025Q2")]))
    store("forum", "en", claim("revenue of $47 billion", [fact(47 * B)]))  # rounding of 46.7
    store("blog", "en", claim("revenue of $48 billion", [fact(48 * B)]))  # a different figure
    got = [(c.unit, c.period, c.value, c.size) for c in clusters(db)]
    assert got == [
        ("USD", "FY2026Q2", 46.7 * B, 2),
        ("CNY", "FY2026Q2", 46.7 * B, 1),
        ("USD", "FY2025Q2", 46.7 * B, 1),
        ("USD", "FY2026Q2", 48 * B, 1),
    ]


def test_claims_without_numbers_cluster_by_entity_and_topic_within_a_week(db: Database) -> None:
    store = Store(db)
    a = store("xinhua", "zh", claim("美国限制H20出口", [], topics=["export_controls"]))
    b = store("reuters", "en", claim("US curbs H20 exports", [], topics=["export_controls"]))
    c = store("reuters", "en", claim("Nvidia launches Rubin", [], topics=["product"]))
    with db.session() as s, s.begin():  # a week and a day later, the same words are a new event
        s.execute(update(ClaimCluster).values(last_seen=datetime.now(UTC) - timedelta(days=8)))
    d = store("forum", "en", claim("H20 export ban again", [], topics=["export_controls"]))
    ids = [p[0] for p in placed(db, a + b + c + d)]
    assert ids[0] == ids[1] and len(set(ids)) == 3
    assert [c.kind for c in clusters(db)] == ["event"] * 3


def test_a_different_value_for_the_same_period_is_a_contradiction_with_both_sides(db: Database) -> None:
    store = Store(db)
    first = store("xinhua", "zh", claim("营收467亿美元", [fact(46.7 * B)]))
    other = store("forum", "en", claim("revenue came in at $44 billion", [fact(44 * B)]))
    next_q = store("reuters", "en", claim("Q3 revenue $54 billion", [fact(54 * B, period="FY2026Q3")]))
    assert [p[1] for p in placed(db, first + other + next_q)] == ["started", "contradiction", "started"]
    with db.session() as s:
        (row,) = s.scalars(select(Contradiction))
        assert (row.kind, row.entity, row.metric, row.period) == ("value", "NVIDIA", "revenue", "FY2026Q2")
        assert (row.claim_a_id, row.claim_b_id) == (first[0], other[0])
    assert [c.contradictions for c in clusters(db)] == [1, 1, 0]


def test_unlabelled_numbers_never_contradict(db: Database) -> None:
    """Before the engine labels metrics, a claim's number falls back to its first entity with no metric and no
    period: it still clusters by value, but two different percentages about NVIDIA are not a contradiction."""
    store = Store(db)
    plain = [{"value": 17, "unit": "%", "text": "17%"}]
    a = store("xinhua", "zh", claim("英伟达股价暴跌17%", plain))
    b = store("nikkei", "ja", claim("エヌビディア株17%急落", plain))
    c = store("forum", "en", claim("Nvidia gross margin 73%", [{"value": 73, "unit": "%", "text": "73%"}]))
    got = placed(db, a + b + c)
    assert got[0][0] == got[1][0] != got[2][0] and [g[1] for g in got] == ["started", None, "started"]
    assert clusters(db)[0].metric is None and clusters(db)[0].entity == "NVIDIA"
    with db.session() as s:
        assert s.scalars(select(Contradiction)).all() == []


def test_opposite_stances_on_one_fact_within_the_window_contradict(db: Database) -> None:
    store = Store(db)
    up = store("reuters", "en", claim("Nvidia shares jumped 17%", [fact(17, "%", "share_price_move", "")], "bullish"))
    down = store("xinhua", "zh", claim("英伟达股价暴跌17%", [fact(17, "%", "share_price_move", "")], "bearish"))
    again = store("blog", "en", claim("Nvidia shares sank 17%", [fact(17, "%", "share_price_move", "")], "bearish"))
    assert [p[1] for p in placed(db, up + down + again)] == [
        "started",
        "contradiction",
        None,  # one stance contradiction per cluster
    ]
    with db.session() as s:
        (row,) = s.scalars(select(Contradiction))
        assert (row.kind, row.cluster_a_id, row.claim_a_id, row.claim_b_id) == (
            "stance",
            row.cluster_b_id,
            up[0],
            down[0],
        )


def test_a_rerun_of_the_same_article_adds_nothing(db: Database) -> None:
    store = Store(db)
    c = claim("营收467亿美元", [fact(46.7 * B)])
    with db.session() as s, s.begin():
        (aid,) = add_articles(
            s, [NewArticle(store.sources["xinhua"], *["http://127.0.0.1:9/r"] * 3, None, None, None, None)]
        )
        add_claims(s, aid, "http://127.0.0.1:9/r", "zh", [c])
        assert add_claims(s, aid, "http://127.0.0.1:9/r", "zh", [c]) == []
    assert [x.size for x in clusters(db)] == [1]


@pytest.mark.postgres
def test_two_workers_storing_one_fact_at_once_end_in_one_cluster(pg_url: str) -> None:
    """Two threads, each with its own connection and transaction, store a claim of one fact at the same
    moment; the first holds its transaction open for a while after clustering. Without the slot lock the
    second would not see the first's uncommitted cluster and would start its own."""
    db = open_database(pg_url)
    try:
        store = Store(db)
        rounds = 4
        for r in range(rounds):
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []
            value = (100 + 10 * r) * B
            threads = [
                threading.Thread(target=_store_at_once, args=(store, barrier, errors, "xinhua", "zh", value, 0.4)),
                threading.Thread(target=_store_at_once, args=(store, barrier, errors, "reuters", "en", value, 0.0)),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            assert not errors, errors
        amd = [c for c in clusters(db) if c.entity == "AMD"]
        assert [(c.size, c.source_count, c.languages) for c in amd] == [(2, 2, ["en", "zh"])] * rounds
    finally:
        db.dispose()


def _store_at_once(
    store: Store,
    barrier: threading.Barrier,
    errors: list[BaseException],
    source: str,
    language: str,
    value: float,
    hold: float,
) -> None:
    try:
        with store.db.session() as s, s.begin():
            barrier.wait(timeout=10)
            store.add(s, source, language, claim(f"AMD revenue {value}", [fact(value, entity="AMD")]))
            time.sleep(hold)  # the commit comes later: the other worker is clustering meanwhile
    except BaseException as exc:
        errors.append(exc)
