"""Idempotent inserts: the one place that knows each dialect's ON CONFLICT spelling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: Any, rows: Sequence[dict[str, Any]], keys: list[str]) -> list[int]:
    """Insert rows whose unique `keys` are not stored yet; return the ids of the rows actually inserted, sorted.

    One INSERT ... ON CONFLICT DO NOTHING RETURNING id, executed for all rows at once: SQLAlchemy compiles it
    once and batches the rows into multi-row VALUES ("insertmanyvalues"), and only new rows come back, so the
    ids say exactly what was new on SQLite and PostgreSQL alike (rowcount is unreliable there, STACK-NOTES).
    Every row must carry the same columns.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).on_conflict_do_nothing(index_elements=keys).returning(model.id)
    return sorted(session.connection().execute(stmt, list(rows)).scalars())
