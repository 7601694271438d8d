"""Withdrawn claims: an article changed at its source and no longer makes some of its stored claims.

Claims are never deleted (alert rows point at them, and the history matters): a claim whose sentence is
gone gets `withdrawn_at`, and alerts listing it that have not gone out are cancelled, in the transaction that
stores the new analysis (their other claims are evaluated again, see storage/alert_claims.py). A sentence that
comes back clears `withdrawn_at` and goes back before the rules: alerted again only where its alert was
cancelled; alerts already sent stay sent, so nothing goes out twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chipwatch.storage.alert_claims import alerts_listing, release, reopen
from chipwatch.storage.claims import claim_fingerprint
from chipwatch.storage.models import Alert, Claim
from chipwatch.storage.outbox import CANCEL_REASON, CANCELLED
from chipwatch.storage.types import utcnow

# Outbox states of an alert that has not been delivered (or, `unknown`, may not have been) and would still be
# (retried) if left alone. A dead row is left as it is (its error is the useful part); if someone requeues it,
# delivery cancels it.
UNSENT = ("pending", "failed", "unknown")


@dataclass
class Reconciled:
    withdrawn: list[int] = field(default_factory=list)  # claim ids withdrawn now
    restored: list[int] = field(default_factory=list)  # claim ids said again after a withdrawal
    alerts_cancelled: int = 0
    alerts_restored: int = 0  # restored claims put back before the rules


def reconcile_claims(
    session: Session, article_id: int, article_key: str, sentences: Iterable[str], now: datetime | None = None
) -> Reconciled:
    """Bring the article's stored claims in line with the sentences its latest analysis claims.

    Call after `add_claims` with the same sentences, in the same transaction.
    """
    now = now or utcnow()
    current = {claim_fingerprint(article_key, s) for s in sentences}
    rows = session.execute(
        select(Claim.id, Claim.fingerprint, Claim.withdrawn_at).where(Claim.article_id == article_id)
    ).all()
    out = Reconciled(
        withdrawn=sorted(cid for cid, fp, gone in rows if fp not in current and gone is None),
        restored=sorted(cid for cid, fp, gone in rows if fp in current and gone is not None),
    )
    if out.withdrawn:
        _set_withdrawn(session, out.withdrawn, now)
        out.alerts_cancelled = cancel_unsent_alerts(session, out.withdrawn)
    if out.restored:
        _set_withdrawn(session, out.restored, None)
        out.alerts_restored = _reopen_restored(session, out.restored)
    return out


def _set_withdrawn(session: Session, claim_ids: Sequence[int], when: datetime | None) -> None:
    session.execute(
        update(Claim)
        .where(Claim.id.in_(list(claim_ids)))
        .values(withdrawn_at=when)
        .execution_options(synchronize_session=False)
    )


def cancel_unsent_alerts(session: Session, claim_ids: Sequence[int]) -> int:
    """Cancel the waiting or retried alerts whose message lists any of the claims; returns how many. Their other
    claims, still standing, go back before the rules and come out in a fresh message without the withdrawn one."""
    ids = alerts_listing(session, claim_ids, UNSENT)
    if not ids:
        return 0
    stmt = (
        update(Alert)
        .where(Alert.id.in_(ids), Alert.state.in_(UNSENT))
        .values(state=CANCELLED, next_attempt_at=None, last_error=CANCEL_REASON)
        .returning(Alert.id)
        .execution_options(synchronize_session=False)
    )
    cancelled = list(session.execute(stmt).scalars())
    release(session, cancelled)
    return len(cancelled)


def _reopen_restored(session: Session, claim_ids: Sequence[int]) -> int:
    """A claim said again goes back before the rules: if its alert was cancelled (its record released), it goes
    out now; where it was alerted already, its record keeps it from going out twice."""
    return len(reopen(session, claim_ids))
