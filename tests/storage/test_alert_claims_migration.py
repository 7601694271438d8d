"""Migration 0010 (alert_claims): alerts queued before it keep their claims from being alerted again."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select, text, update

from chipwatch.storage import alert_claims
from chipwatch.storage import db as storage_db
from chipwatch.storage.claims import claim_fingerprint
from chipwatch.storage.db import open_database
from chipwatch.storage.models import AlertClaim, Claim

KEY = "http://127.0.0.1:9/a"


def test_migration_0010_records_each_claim_already_alerted_but_not_cancelled_ones(empty_url: str) -> None:
    engine = create_engine(empty_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(storage_db._MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009_64bit_ids")
        conn.execute(
            text("INSERT INTO sources (id, name, kind, status, failures, state) VALUES (1, 's', 'feed', 'ok', 0, '{}')")
        )
        conn.execute(
            text(
                "INSERT INTO articles (id, source_id, url, canonical_url, fetched_at, status, attempts) "
                f"VALUES (1, 1, '{KEY}', '{KEY}', '2026-11-24 08:00:00', 'processed', 1)"
            )
        )
        for n in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO claims (id, article_id, fingerprint, text, language, entities, topics, stance, "
                    "quantities, score, notable, why, created_at, rules_evaluated) VALUES "
                    f"({n}, 1, :fp, :text, 'en', '[]', '[]', 'bullish', '[]', 0.8, true, '[]', "
                    "'2026-11-24 08:00:00', true)"
                ),
                {"fp": claim_fingerprint(KEY, f"claim {n}"), "text": f"claim {n}"},
            )
        values = ", ".join(
            f"({n}, 'k{n}', 'r', {n}, 'h', 'json://127.0.0.1:9/', 't', 'b', '{state}', 1, 'immediate', 'text', "
            "'2026-11-24 08:00:00')"
            for n, state in ((1, "sent"), (2, "failed"), (3, "cancelled"))
        )
        conn.execute(
            text(
                "INSERT INTO alerts (id, dedup_key, rule, claim_id, target_hash, target, title, body, state, "
                f"attempts, kind, body_format, created_at) VALUES {values}"
            )
        )
    engine.dispose()

    db = open_database(empty_url)  # upgrades to head
    try:
        with db.session() as s:
            records = {(r.rule, r.claim_id, r.target_hash, r.alert_key) for r in s.scalars(select(AlertClaim))}
        assert records == {("r", 1, "h", "k1"), ("r", 2, "h", "k2")}
        with db.session() as s, s.begin():
            s.execute(update(Claim).values(rules_evaluated=False))
            # Claims 1 and 2 were alerted (or are waiting to be); claim 3's alert was cancelled: only it is new.
            assert alert_claims.reserve(s, "r", "h", [("k9", [1, 2, 3])]) == {3}
    finally:
        db.dispose()
