"""Source health rows: the problem a source has now (if any), since when, and the episode counter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chipwatch.storage.models import Article, SourceHealth


def health_row(session: Session, source_id: int, now: datetime) -> SourceHealth:
    row = session.get(SourceHealth, source_id)
    if row is None:
        row = SourceHealth(source_id=source_id, watching_since=now, episode=0, pending_batch=[], layout_failing=False)
        session.add(row)
        session.flush()
    return row


def last_article_at(session: Session, source_id: int) -> datetime | None:
    """When the source last gave a new article (its newest stored row)."""
    value = session.execute(select(func.max(Article.fetched_at)).where(Article.source_id == source_id)).scalar()
    if value is not None and value.tzinfo is None:  # SQLite's max() bypasses the column type
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value


def batch_extraction(session: Session, ids: Sequence[int]) -> tuple[bool, bool, str | None]:
    """(settled, all failed, first error) of one poll's new articles: settled when none waits for extraction."""
    rows = session.execute(select(Article.status, Article.error).where(Article.id.in_(list(ids)))).all()
    if not rows:
        return True, False, None
    settled = all(status != "new" for status, _ in rows)
    failed = all(status == "error" for status, _ in rows)
    first = next((error for status, error in rows if status == "error" and error), None)
    return settled, failed, first


def health_by_source(session: Session) -> dict[int, dict[str, Any]]:
    """source id -> {"health": problem or "ok", "failing_since": iso or None}."""
    out: dict[int, dict[str, Any]] = {}
    for row in session.scalars(select(SourceHealth)):
        out[row.source_id] = {
            "health": row.problem or "ok",
            "failing_since": row.failing_since.isoformat() if row.failing_since else None,
        }
    return out
