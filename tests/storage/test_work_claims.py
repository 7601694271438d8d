"""Article leases: concurrent claimers take disjoint rows, a dead worker's rows come back after the lease."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from chipwatch.storage.articles import (
    NewArticle,
    add_articles,
    claim_articles,
    mark_failed,
    mark_processed,
    release_articles,
)
from chipwatch.storage.db import Database
from chipwatch.storage.models import Article
from chipwatch.storage.sources import SourceSpec, sync_sources
from chipwatch.storage.types import utcnow

LEASE = timedelta(minutes=5)


def _articles(db: Database, n: int) -> list[int]:
    with db.session() as s, s.begin():
        src = sync_sources(s, [SourceSpec("loop", "feed", "http://127.0.0.1:9/feed.xml")])["loop"]
        rows = [
            NewArticle(
                src.id, f"http://127.0.0.1:9/a/{i}", f"http://127.0.0.1:9/a/{i}", f"g{i}", f"t{i}", None, None, b"x"
            )
            for i in range(n)
        ]
        return add_articles(s, rows)


def _finish(db: Database, article_id: int, worker: str) -> bool:
    with db.session() as s, s.begin():
        return mark_processed(s, article_id, text="t", title=None, language="en", content_hash="h", worker_id=worker)


def test_two_concurrent_claimers_take_each_article_exactly_once(db: Database) -> None:
    ids = _articles(db, 1000)
    taken: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def work(worker: str) -> None:
        try:
            while True:
                with db.session() as s, s.begin():
                    batch = [a.id for a in claim_articles(s, worker, LEASE, limit=25)]
                if not batch:
                    return
                assert len(batch) <= 25
                taken[worker] += batch
                for article_id in batch:
                    assert _finish(db, article_id, worker)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    counts = Counter(taken["a"] + taken["b"])
    assert set(counts) == set(ids) and max(counts.values()) == 1
    assert taken["a"] and taken["b"], "both workers should have had a share"
    with db.session() as s:
        rows = s.execute(select(Article.status, Article.claimed_by, Article.lease_until)).all()
    assert {r.status for r in rows} == {"processed"} and all(r.lease_until is None for r in rows)
    by_worker = Counter(r.claimed_by for r in rows)
    assert by_worker == {"a": len(taken["a"]), "b": len(taken["b"])}


def test_a_dead_workers_articles_are_claimed_again_after_the_lease(db: Database) -> None:
    ids = _articles(db, 10)
    with db.session() as s, s.begin():
        assert [a.id for a in claim_articles(s, "dead", LEASE, limit=100)] == ids
    with db.session() as s, s.begin():
        assert claim_articles(s, "alive", LEASE, limit=100) == []  # held by the lease
    later = utcnow() + LEASE + timedelta(seconds=1)
    with db.session() as s, s.begin():
        again = [a.id for a in claim_articles(s, "alive", LEASE, limit=100, now=later)]
    assert again == ids
    # The dead worker comes back late: its result is refused, the new holder's is kept.
    assert not _finish(db, ids[0], "dead")
    assert _finish(db, ids[0], "alive")
    with db.session() as s:
        first = s.get_one(Article, ids[0])
        assert (first.status, first.claimed_by, first.attempts) == ("processed", "alive", 2)


def test_a_claim_takes_at_most_limit_articles(db: Database) -> None:
    ids = _articles(db, 30)
    with db.session() as s, s.begin():
        assert [a.id for a in claim_articles(s, "w1", LEASE, limit=10)] == ids[:10]
    with db.session() as s, s.begin():
        assert [a.id for a in claim_articles(s, "w2", LEASE, limit=10, ids=ids)] == ids[10:20]


def test_claims_respect_ids_and_released_articles_are_free_at_once(db: Database) -> None:
    ids = _articles(db, 6)
    with db.session() as s, s.begin():
        got = [a.id for a in claim_articles(s, "w1", LEASE, limit=10, ids=ids[2:4])]
    assert got == ids[2:4]
    with db.session() as s, s.begin():
        release_articles(s, "w1", got)
    with db.session() as s, s.begin():
        assert [a.id for a in claim_articles(s, "w2", LEASE, limit=10)] == ids


def test_an_article_that_keeps_killing_its_worker_ends_as_an_error(db: Database) -> None:
    [article_id] = _articles(db, 1)
    now = utcnow()
    for attempt in range(3):
        with db.session() as s, s.begin():
            got = claim_articles(s, f"w{attempt}", LEASE, limit=1, now=now, max_attempts=3)
        assert [a.id for a in got] == [article_id]
        now += LEASE + timedelta(seconds=1)
    with db.session() as s, s.begin():
        assert claim_articles(s, "w9", LEASE, limit=1, now=now, max_attempts=3) == []
    with db.session() as s:
        row = s.get_one(Article, article_id)
        assert row.status == "error" and "started 3 times" in (row.error or "")
        assert row.raw == b"x"  # nothing stored is lost


def test_failing_an_article_also_needs_the_lease(db: Database) -> None:
    [article_id] = _articles(db, 1)
    with db.session() as s, s.begin():
        claim_articles(s, "w1", LEASE, limit=1)
    with db.session() as s, s.begin():
        assert not mark_failed(s, article_id, "boom", worker_id="w2")
        assert mark_failed(s, article_id, "boom", worker_id="w1")
    with db.session() as s:
        assert s.get_one(Article, article_id).status == "error"
