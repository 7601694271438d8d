"""Alert outbox rows: enqueued once per dedup key, then delivered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipwatch.storage.models import Alert, Claim
from chipwatch.storage.types import utcnow
from chipwatch.storage.upsert import insert_ignore


def enqueue(session: Session, alerts: Sequence[dict[str, Any]], evaluated_claims: Sequence[Claim]) -> list[int]:
    """Insert alerts not queued before, and mark the claims as evaluated in the same transaction."""
    now = utcnow()
    ids = insert_ignore(
        session,
        Alert,
        [{**a, "state": "pending", "attempts": 0, "created_at": now} for a in alerts],
        ["dedup_key"],
    )
    for claim in evaluated_claims:
        claim.rules_evaluated = True
    return ids


def due(session: Session, now: datetime | None = None, limit: int = 500) -> list[Alert]:
    """Alerts to send now: pending, or failed with a retry that has come due."""
    now = now or utcnow()
    stmt = (
        select(Alert)
        .where(Alert.state.in_(("pending", "failed")))
        .where((Alert.next_attempt_at.is_(None)) | (Alert.next_attempt_at <= now))
        .order_by(Alert.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def record_delivery(session: Session, alert_id: int, *, error: str | None, retry_at: datetime | None) -> None:
    """Count the attempt; `sent` on success, else `failed` with the reason and the next try."""
    alert = session.get_one(Alert, alert_id)
    alert.attempts = (alert.attempts or 0) + 1
    if error is None:
        alert.state, alert.sent_at, alert.last_error, alert.next_attempt_at = "sent", utcnow(), None, None
    else:
        alert.state, alert.last_error, alert.next_attempt_at = "failed", error[:2000], retry_at
