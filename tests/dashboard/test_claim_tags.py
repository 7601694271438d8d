"""claim_tags: written with each new claim, and backfilled by migration 0006 for older claims."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select, text

from chipwatch.storage import db as storage_db
from chipwatch.storage.db import Database, open_database
from chipwatch.storage.models import ClaimTag
from chipwatch.storage.queries import ClaimFilter, entity_daily_counts, list_claims

from .conftest import seed_corpus


def _tags(db: Database) -> set[tuple[int, str, str]]:
    with db.session() as s:
        return {(t.claim_id, t.kind, t.value) for t in s.scalars(select(ClaimTag))}


def test_add_claims_writes_tags_once(db: Database) -> None:
    seed_corpus(db)
    tags = _tags(db)
    assert sum(1 for _, kind, value in tags if kind == "entity" and value == "NVIDIA") == 3
    assert sum(1 for _, kind, value in tags if kind == "topic" and value == "capex") == 1
    before = len(tags)
    from chipwatch.storage.claims import add_claims

    with db.session() as s, s.begin():  # same sentences again: no new claims, no new tags
        assert (
            add_claims(
                s,
                1,
                "http://127.0.0.1:9/zh1",
                "zh",
                [
                    {
                        "text": "英伟达股价暴跌17%，市值单日蒸发6000亿美元。",
                        "entities": ["NVIDIA"],
                        "topics": [],
                        "stance": "bearish",
                        "quantities": [],
                        "score": 0.9,
                        "notable": True,
                        "why": [],
                    }
                ],
            )
            == []
        )
    assert len(_tags(db)) == before


def test_migration_backfills_tags_for_claims_stored_before_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(storage_db._MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            text("INSERT INTO sources (id, name, kind, status, failures, state) VALUES (1, 's', 'feed', 'ok', 0, '{}')")
        )
        conn.execute(
            text(
                "INSERT INTO articles (id, source_id, url, canonical_url, fetched_at, status) "
                "VALUES (1, 1, 'http://127.0.0.1:9/a', 'http://127.0.0.1:9/a', '2026-11-24 08:00:00', 'processed')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO claims (id, article_id, fingerprint, text, language, entities, topics, stance, "
                "quantities, score, notable, why, created_at, rules_evaluated) VALUES "
                "(1, 1, 'f1', 'NVIDIA Capex UP', 'en', '[\"NVIDIA\", \"TSMC\"]', '[\"capex\"]', 'bullish', '[]', 0.7, 1, '[]', "
                "'2026-11-24 08:00:00', 1)"
            )
        )
    engine.dispose()
    db = open_database(url)  # upgrades to head, running 0006's backfill
    try:
        assert _tags(db) == {(1, "entity", "NVIDIA"), (1, "entity", "TSMC"), (1, "topic", "capex"), (1, "source", "1")}
        with db.session() as s:
            assert [r.claim.id for r in list_claims(s, ClaimFilter(entity="TSMC")).rows] == [1]
            assert [r.claim.id for r in list_claims(s, ClaimFilter(q="capex up")).rows] == [1]  # folded text backfilled
            days = entity_daily_counts(s, "NVIDIA", datetime(2026, 1, 1, tzinfo=UTC))
            assert [(d.day.isoformat(), d.stance, d.count) for d in days] == [("2026-11-24", "bullish", 1)]
    finally:
        db.dispose()
