"""The one write the dashboard may make: put a failed or dead alert back in the queue."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from chipwatch.storage.models import Alert

RETRYABLE = ("failed", "dead")


def requeue_alert(session: Session, alert_id: int) -> bool:
    """Make a failed or dead alert due now (state `pending`); the next delivery run sends it.
    Returns False when the alert does not exist or is not failed/dead (sent alerts are never resent)."""
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.state.in_(RETRYABLE))
        .values(state="pending", next_attempt_at=None)
        .returning(Alert.id)
    )
    return result.scalar_one_or_none() is not None
