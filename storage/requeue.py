"""Putting failed or dead alerts back in the queue: the one write the dashboard may make, and the CLI's retry.

One function for both, so a retried alert gets the same fresh attempt budget from either.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, update
from sqlalchemy.orm import Session

from chipwatch.storage.models import Alert

RETRYABLE = ("failed", "dead")


def requeue(session: Session, ids: Sequence[int] = (), *, dead: bool = False) -> list[int]:
    """Make the given failed or dead alerts (or, with `dead`, every dead one) due now: state `pending`, attempt
    count reset, any stale lease cleared. Returns the ids requeued, in order.

    A row being sent or already sent is left alone: re-sending a delivered alert is what the outbox prevents.
    """
    cond = Alert.state == "dead" if dead else and_(Alert.id.in_(list(ids)), Alert.state.in_(RETRYABLE))
    stmt = (
        update(Alert)
        .where(cond)
        .values(state="pending", attempts=0, next_attempt_at=None, claimed_by=None, lease_until=None)
        .returning(Alert.id)
    )
    return sorted(session.execute(stmt, execution_options={"synchronize_session": False}).scalars())
