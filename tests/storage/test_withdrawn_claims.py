"""Withdrawn claims in storage: migration 0007 on databases that already hold claims and alerts, and the
outbox and digest rules for claims withdrawn after their alerts were queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text, update

from chipwatch.storage import db as storage_db
from chipwatch.storage import outbox
from chipwatch.storage.articles import NewArticle, add_articles, mark_processed
from chipwatch.storage.claims import add_claims, claims_awaiting_rules
from chipwatch.storage.db import Database, open_database
from chipwatch.storage.models import Alert, Claim
from chipwatch.storage.queries import ClaimFilter, entity_daily_counts, list_claims
from chipwatch.storage.requeue import requeue
from chipwatch.storage.sources import SourceSpec, sync_sources
from chipwatch.storage.withdrawals import reconcile_claims

KEY = "http://127.0.0.1:9/a"


def test_migration_0007_keeps_existing_claims_and_alerts_current(empty_url: str) -> None:
    engine = create_engine(empty_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(storage_db._MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        conn.execute(
            text("INSERT INTO sources (id, name, kind, status, failures, state) VALUES (1, 's', 'feed', 'ok', 0, '{}')")
        )
        conn.execute(
            text(
                "INSERT INTO articles (id, source_id, url, canonical_url, fetched_at, status, attempts) "
                f"VALUES (1, 1, '{KEY}', '{KEY}', '2026-11-24 08:00:00', 'processed', 1)"
            )
        )
        for n, sentence in ((1, "NVIDIA capex up 20%"), (2, "AMD guidance cut")):
            conn.execute(
                text(
                    "INSERT INTO claims (id, article_id, fingerprint, text, language, entities, topics, stance, "
                    "quantities, score, notable, why, created_at, rules_evaluated) VALUES "
                    f"({n}, 1, :fp, :text, 'en', '[\"NVIDIA\"]', '[]', 'bullish', '[]', 0.8, true, '[]', "
                    "'2026-11-24 08:00:00', true)"
                ),
                {"fp": _fingerprint(sentence), "text": sentence},
            )
        conn.execute(
            text(
                "INSERT INTO alerts (id, dedup_key, rule, claim_id, target_hash, target, title, body, state, attempts, "
                "kind, body_format, created_at) VALUES "
                "(1, 'k1', 'r', 1, 'h', 'json://127.0.0.1:9/', 't', 'b', 'sent', 1, 'immediate', 'text', '2026-11-24 08:00:00'),"
                "(2, 'k2', 'r', 2, 'h', 'json://127.0.0.1:9/', 't', 'b', 'failed', 1, 'immediate', 'text', '2026-11-24 08:00:00')"
            )
        )
    engine.dispose()

    db = open_database(empty_url)  # upgrades 0006 -> head (0007 and later) on a database holding data
    try:
        with db.engine.connect() as conn:
            head = ScriptDirectory.from_config(cfg).get_current_head()
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        columns = {c["name"] for c in inspect(db.engine).get_columns("claims")}
        assert "withdrawn_at" in columns
        assert "ix_claims_withdrawn" in {i["name"] for i in inspect(db.engine).get_indexes("claims")}
        with db.session() as s:
            assert [r.claim.id for r in list_claims(s, ClaimFilter()).rows] == [2, 1]
            assert all(c.withdrawn_at is None for c in s.scalars(select(Claim)))

        # The new column works on the migrated rows: the article now says only the first sentence.
        with db.session() as s, s.begin():
            changed = reconcile_claims(s, 1, KEY, ["NVIDIA  capex up 20%"])  # whitespace does not matter
        assert changed.withdrawn == [2] and changed.alerts_cancelled == 1
        with db.session() as s:
            assert [r.claim.id for r in list_claims(s, ClaimFilter()).rows] == [1]
            assert {a.id: a.state for a in s.scalars(select(Alert))} == {1: "sent", 2: "cancelled"}
    finally:
        db.dispose()


def _fingerprint(sentence: str) -> str:
    from chipwatch.storage.claims import claim_fingerprint

    return claim_fingerprint(KEY, sentence)


def _claim(text_: str, score: float = 0.8) -> dict:
    return {
        "text": text_,
        "entities": ["NVIDIA"],
        "topics": ["capex"],
        "stance": "bullish",
        "quantities": [],
        "score": score,
        "notable": True,
        "why": [],
    }


def _stored_article(db: Database, sentences: list[str]) -> tuple[int, list[int]]:
    with db.session() as s, s.begin():
        source_id = sync_sources(s, [SourceSpec("s", "feed", "http://127.0.0.1:9/f")])["s"].id
        (article_id,) = add_articles(
            s,
            [NewArticle(source_id, KEY, KEY, "g", "t", None, "text/html", b"<p>x</p>")],
        )
        mark_processed(s, article_id, text=" ".join(sentences), title="t", language="en", content_hash="h")
        ids = add_claims(s, article_id, KEY, "en", [_claim(t) for t in sentences])
    return article_id, ids


def _alert(claim_id: int, state: str, n: int) -> dict:
    return {
        "dedup_key": f"k{n}",
        "rule": "r",
        "claim_id": claim_id,
        "target_hash": "h",
        "target": "json://127.0.0.1:9/",
        "title": "t",
        "body": "b",
        "state": state,
    }


def test_delivery_cancels_a_requeued_alert_of_a_withdrawn_claim(db: Database) -> None:
    article_id, (kept, dropped) = _stored_article(db, ["NVIDIA capex up", "NVIDIA capex down"])
    with db.session() as s, s.begin():
        outbox.enqueue(s, [_alert(kept, "pending", 1), _alert(dropped, "dead", 2)], [])
    with db.session() as s, s.begin():
        assert reconcile_claims(s, article_id, KEY, ["NVIDIA capex up"]).alerts_cancelled == 0  # dead stays dead
    with db.session() as s, s.begin():
        assert requeue(s, dead=True) == [2]  # someone retries the dead alert
    with db.session() as s, s.begin():
        taken = outbox.claim_due(s, "w", timedelta(minutes=1))
    assert [a.claim_id for a in taken] == [kept]
    with db.session() as s:
        assert s.get_one(Alert, 2).state == "cancelled"


def test_withdrawn_claims_skip_rules_digests_and_counts_until_they_return(db: Database) -> None:
    article_id, (kept, dropped) = _stored_article(db, ["NVIDIA capex up", "NVIDIA capex down"])
    with db.session() as s, s.begin():
        outbox.enqueue(s, [], [], [{"rule": "d", "claim_id": kept, "reason": "digest"}])
        s.execute(update(Claim).where(Claim.id == kept).values(rules_evaluated=True))
        reconcile_claims(s, article_id, KEY, ["NVIDIA capex up"])
        outbox.enqueue(s, [], [], [{"rule": "d", "claim_id": dropped, "reason": "digest"}])
    since = datetime.now(UTC) - timedelta(days=1)
    with db.session() as s:
        assert claims_awaiting_rules(s) == []  # the withdrawn claim was never evaluated and waits
        assert sum(c.count for c in entity_daily_counts(s, "NVIDIA", since)) == 1
    with db.session() as s, s.begin():
        items = outbox.take_digest_items(s, "d", datetime.now(UTC) + timedelta(minutes=1), "d@1")
    assert [i.claim_id for i in items] == [kept]

    with db.session() as s, s.begin():
        back = reconcile_claims(s, article_id, KEY, ["NVIDIA capex up", "NVIDIA capex down"])
    assert back.restored == [dropped] and back.withdrawn == []
    with db.session() as s, s.begin():
        assert [c.claim.id for c in claims_awaiting_rules(s)] == [dropped]
        assert sum(c.count for c in entity_daily_counts(s, "NVIDIA", since)) == 2
        items = outbox.take_digest_items(s, "d", datetime.now(UTC) + timedelta(minutes=1), "d@2")
    assert [i.claim_id for i in items] == [dropped]


def test_cancelled_alerts_leave_room_in_the_throttle(db: Database) -> None:
    article_id, (kept, dropped) = _stored_article(db, ["NVIDIA capex up", "NVIDIA capex down"])
    since = datetime.now(UTC) - timedelta(hours=1)
    with db.session() as s, s.begin():
        outbox.enqueue(s, [_alert(kept, "pending", 1), _alert(dropped, "pending", 2)], [])
        assert outbox.immediate_claims_since(s, "r", since) == 2
        reconcile_claims(s, article_id, KEY, ["NVIDIA capex up"])
    with db.session() as s:
        assert s.get_one(Alert, 2).state == "cancelled"
        assert outbox.immediate_claims_since(s, "r", since) == 1
