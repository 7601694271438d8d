"""64-bit row ids (migration 0008): PostgreSQL's ids and the columns pointing at them become BIGINT with
64-bit sequences, on a database that already holds rows; SQLite keeps `INTEGER PRIMARY KEY`, the rowid alias."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, select, text

from chipwatch.storage import db as storage_db
from chipwatch.storage.articles import NewArticle, add_articles
from chipwatch.storage.claims import add_claims
from chipwatch.storage.db import open_database
from chipwatch.storage.models import Claim

WIDENED = {
    "articles": {"id", "duplicate_of"},
    "article_aliases": {"id", "article_id"},
    "claims": {"id", "article_id"},
    "claim_tags": {"claim_id"},
    "claim_search": {"claim_id"},
    "alerts": {"id", "claim_id"},
    "alert_digest_items": {"id", "claim_id"},
}
SEQUENCED = [table for table, columns in WIDENED.items() if "id" in columns]
PAST_2_31 = 2**31 + 7


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(storage_db._MIGRATIONS))
    return cfg


def _claim(text_: str) -> dict:
    return {
        "text": text_,
        "entities": ["NVIDIA"],
        "topics": [],
        "stance": "neutral",
        "quantities": [],
        "score": 0.5,
        "notable": False,
        "why": [],
    }


def _article(source_id: int, key: str) -> NewArticle:
    url = f"http://127.0.0.1:9/{key}"
    return NewArticle(source_id, url, url, key, None, None, None, None)


def test_migration_0008_widens_ids_of_a_database_holding_rows(empty_url: str) -> None:
    engine = create_engine(empty_url)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    engine.dispose()
    old = open_database(empty_url, upgrade=False)
    with old.session() as s, s.begin():
        # Rows written in SQL: the current models may hold columns that later migrations add.
        s.execute(
            text(
                "INSERT INTO sources (name, kind, url, status, failures, state) "
                "VALUES ('s', 'feed', 'http://127.0.0.1:9/feed', 'ok', 0, '{}')"
            )
        )
        source = s.execute(text("SELECT id FROM sources WHERE name = 's'")).scalar_one()
        s.execute(
            text(
                "INSERT INTO articles (source_id, url, canonical_url, guid, fetched_at, status, attempts) "
                f"VALUES ({source}, 'http://127.0.0.1:9/a', 'http://127.0.0.1:9/a', 'a', '2026-11-24 08:00:00', 'new', 0)"
            )
        )
        article = s.execute(text("SELECT id FROM articles")).scalar_one()
        before = add_claims(  # on the 0007 schema: no clusters yet
            s, article, "http://127.0.0.1:9/a", "en", [_claim("NVIDIA up"), _claim("NVIDIA down")], cluster=False
        )
    old.dispose()

    db = open_database(empty_url)  # 0007 -> head
    try:
        with db.session() as s:
            assert sorted(s.scalars(select(Claim.id))) == sorted(before)  # rows and ids kept
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                types = {
                    (t, c): kind
                    for t, c, kind in conn.execute(
                        text("SELECT table_name, column_name, data_type FROM information_schema.columns")
                    )
                }
                sequences = dict(conn.execute(text("SELECT sequencename, data_type FROM pg_sequences")).all())
                for table in SEQUENCED:  # continue past 2^31, as a long-lived database would
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {PAST_2_31 - 1})"))
                conn.commit()
            for table, columns in WIDENED.items():
                for column in columns:
                    assert types[(table, column)] == "bigint", (table, column)
            assert all(sequences[f"{table}_id_seq"] == "bigint" for table in SEQUENCED)
            assert types[("sources", "id")] == "integer"  # one row per configured source: stays 32-bit
        else:
            for table in SEQUENCED:
                (pk,) = [c for c in inspect(db.engine).get_columns(table) if c["name"] == "id"]
                assert str(pk["type"]) == "INTEGER"  # exactly INTEGER PRIMARY KEY: the rowid alias
            with db.engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO articles (id, source_id, url, canonical_url, fetched_at, status, attempts) "
                        f"VALUES ({PAST_2_31 - 1}, {source}, '-', 'placeholder', '2026-11-24 08:00:00', 'duplicate', 0)"
                    )
                )
        with db.session() as s, s.begin():
            (big,) = add_articles(s, [_article(source, "b")])
            new = add_claims(s, big, "http://127.0.0.1:9/b", "en", [_claim("AMD up")])
        assert big == PAST_2_31 and new[0] > max(before)
        with db.session() as s:
            assert s.get_one(Claim, new[0]).article_id == PAST_2_31
    finally:
        db.dispose()


def test_migration_0008_downgrades_while_ids_fit_in_32_bits(empty_url: str) -> None:
    db = open_database(empty_url)
    db.dispose()
    engine = create_engine(empty_url)
    cfg = _config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007")
            if conn.dialect.name == "postgresql":
                kind = conn.execute(
                    text(
                        "SELECT data_type FROM information_schema.columns WHERE table_name='claims' AND column_name='id'"
                    )
                ).scalar_one()
                assert kind == "integer"
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()
