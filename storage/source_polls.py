"""Per-source poll history: one row per poll that contacted a source, kept for a configured window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from chipwatch.storage.models import SourcePoll
from chipwatch.storage.records import iso


@dataclass(frozen=True)
class PollRecord:
    """What one poll did, as the poller measured it."""

    source_id: int
    started_at: datetime
    seconds: float
    http_status: int | None
    listed: int
    new_articles: int
    error: str | None


def record_source_poll(session: Session, record: PollRecord, keep: timedelta) -> None:
    """One poll: stored, with the source's polls older than `keep` before it dropped."""
    record_source_polls(session, [record], record.started_at - keep)


def record_source_polls(session: Session, records: list[PollRecord], drop_before: datetime) -> None:
    """Store the polls (one statement), and drop these sources' polls older than `drop_before`."""
    if not records:
        return
    session.execute(insert(SourcePoll), [vars(r) for r in records])
    ids = sorted({r.source_id for r in records})
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        session.execute(delete(SourcePoll).where(SourcePoll.source_id.in_(batch), SourcePoll.started_at < drop_before))


def poll_dict(poll: SourcePoll) -> dict[str, Any]:
    """A poll in the `sources list --json` / API shape."""
    return {
        "at": iso(poll.started_at),
        "seconds": round(poll.seconds, 3),
        "http_status": poll.http_status,
        "listed": poll.listed,
        "new": poll.new_articles,
        "error": poll.error,
    }


def recent_polls(session: Session, source_id: int, limit: int = 50) -> list[SourcePoll]:
    """The source's latest polls, newest first."""
    stmt = (
        select(SourcePoll)
        .where(SourcePoll.source_id == source_id)
        .order_by(SourcePoll.started_at.desc(), SourcePoll.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def recent_polls_by_source(session: Session, per_source: int) -> dict[int, list[dict[str, Any]]]:
    """source id -> its latest `per_source` polls as dicts, newest first (one query for every source)."""
    ranked = select(
        SourcePoll,
        func.row_number()
        .over(partition_by=SourcePoll.source_id, order_by=(SourcePoll.started_at.desc(), SourcePoll.id.desc()))
        .label("n"),
    ).subquery()
    polls = select(SourcePoll).join(ranked, ranked.c.id == SourcePoll.id).where(ranked.c.n <= per_source)
    out: dict[int, list[dict[str, Any]]] = {}
    for poll in session.scalars(
        polls.order_by(SourcePoll.source_id, SourcePoll.started_at.desc(), SourcePoll.id.desc())
    ):
        out.setdefault(poll.source_id, []).append(poll_dict(poll))
    return out
