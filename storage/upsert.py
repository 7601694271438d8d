"""Idempotent inserts: the one place that knows each dialect's ON CONFLICT spelling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: Any, rows: Sequence[dict[str, Any]], keys: list[str]) -> list[int]:
    """Insert rows whose unique `keys` are not stored yet; return the ids of the rows actually inserted.

    RETURNING with sort_by_parameter_order tells which rows were new on both SQLite and PostgreSQL
    (rowcount is unreliable there, STACK-NOTES).
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    ids: list[int] = []
    for row in rows:  # one statement per row keeps RETURNING exact when some rows conflict
        stmt = insert(model).values(**row).on_conflict_do_nothing(index_elements=keys).returning(model.id)
        new_id = session.execute(stmt).scalar_one_or_none()
        if new_id is not None:
            ids.append(new_id)
    return ids
