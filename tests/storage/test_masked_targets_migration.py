"""Migration 0008_masked_targets: alert rows stored by older versions (targets masked by the old, weaker rules)
get every secret hidden; hashes, dedup keys and rows already masked stay as they were."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from chipwatch.storage import db as storage_db
from chipwatch.storage.db import Database, upgrade_schema
from chipwatch.storage.models import Alert

REVISION = "0008_masked_targets"
# What the old mask_url stored: the password masked, header, payload and path tokens in clear.
OLD_FORMS = {
    "k1": (
        "json://127.0.0.1:9/hook/PathTok3n?+X-Api-Key=HeaderK3y&-apikey=PayloadK3y",
        "json://127.0.0.1:9/hook/***?%2BX-Api-Key=***&-apikey=***",
    ),
    "k2": ("xml://u:***@127.0.0.1:9/x/XmlTok3n", "xml://u:***@127.0.0.1:9/***/***"),
    "k3": ("tgram://***", "tgram://***"),
    "k4": ("json://127.0.0.1:9/hook", "json://127.0.0.1:9/hook"),
}


def _alembic(db: Database, action: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(storage_db._MIGRATIONS))
    with db.engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def test_old_rows_are_masked_again_and_keep_their_hashes(db: Database) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(storage_db._MIGRATIONS))
    before = ScriptDirectory.from_config(cfg).get_revision(REVISION).down_revision
    _alembic(db, "downgrade", str(before))
    try:
        with db.engine.begin() as conn:
            for n, (key, (target, _)) in enumerate(OLD_FORMS.items(), 1):
                conn.execute(
                    text(
                        "INSERT INTO alerts (id, dedup_key, rule, target_hash, target, title, body, state, attempts, "
                        "kind, body_format, created_at) VALUES (:id, :key, 'r', :hash, :target, 't', 'b', 'pending', "
                        "0, 'immediate', 'text', '2026-11-24 08:00:00')"
                    ),
                    {"id": n, "key": key, "hash": f"hash-{key}", "target": target},
                )
    finally:
        upgrade_schema(db.engine)

    with db.session() as s:
        rows = {a.dedup_key: (a.target, a.target_hash) for a in s.scalars(select(Alert))}
    assert rows == {key: (masked, f"hash-{key}") for key, (_, masked) in OLD_FORMS.items()}
    dump = repr(rows)
    for secret in ("PathTok3n", "HeaderK3y", "PayloadK3y", "XmlTok3n"):
        assert secret not in dump
