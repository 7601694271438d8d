"""Alert outbox rows: enqueued once per dedup key, claimed under a lease, then marked sent/failed/unknown/dead.

Claiming is the one concurrency point: on PostgreSQL the due rows are picked with FOR UPDATE SKIP LOCKED,
on SQLite the same single UPDATE runs under SQLite's write lock; either way a row is handed to one worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.orm import Session

from chipwatch.storage import alert_claims
from chipwatch.storage.models import Alert, Claim, DigestItem
from chipwatch.storage.types import UTCDateTime, utcnow
from chipwatch.storage.upsert import insert_ignore

CANCELLED = "cancelled"  # never delivered: its claim was withdrawn (see storage.withdrawals)
CANCEL_REASON = "not sent: its claim was withdrawn (the article no longer says it)"
UNKNOWN = "unknown"  # sent, but no answer came (a read timeout, a dropped connection): the target may have it
WAITING = ("pending", "failed", UNKNOWN)  # states a row waits in until it is due (again)


def enqueue(
    session: Session,
    alerts: Sequence[dict[str, Any]],
    evaluated_claims: Sequence[Claim],
    digest_items: Sequence[dict[str, Any]] = (),
    now: datetime | None = None,
) -> list[int]:
    """Insert alerts and digest items not queued before, and mark the claims as evaluated, in one transaction."""
    now = now or utcnow()
    defaults = {"state": "pending", "attempts": 0, "created_at": now, "next_attempt_at": None, "digest_key": None}
    ids = insert_ignore(session, Alert, [{**defaults, **a} for a in alerts], ["dedup_key"])
    insert_ignore(session, DigestItem, [{"created_at": now, **d} for d in digest_items], ["rule", "claim_id"])
    for claim in evaluated_claims:
        claim.rules_evaluated = True
    return ids


def _due(now: datetime) -> Any:
    waiting = and_(
        Alert.state.in_(WAITING),
        or_(Alert.next_attempt_at.is_(None), Alert.next_attempt_at <= now),
    )
    abandoned = and_(Alert.state == "sending", Alert.lease_until <= now)  # its sender crashed
    return or_(waiting, abandoned)


def claim_due(
    session: Session, worker_id: str, lease: timedelta, limit: int = 20, now: datetime | None = None
) -> list[Alert]:
    """Take up to `limit` due rows for `worker_id`: mark them `sending` until `lease` from now, count the attempt.
    A due row whose claim has been withdrawn is cancelled instead of taken.

    Commit right after: the claim must be visible before anything is sent. Rows another worker holds
    are skipped, never waited for; a row whose lease ran out (its sender died) is due again.
    """
    now = now or utcnow()
    lease_until = max(now, utcnow()) + lease
    # Two statements on purpose: PostgreSQL re-runs an `IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)`
    # subquery while updating and then claims more than n rows. The SELECT locks the rows on PostgreSQL;
    # on SQLite it locks nothing, and the UPDATE's re-check of `due` under the write lock decides instead.
    pick = select(Alert.id).where(_due(now)).order_by(Alert.id).limit(limit).with_for_update(skip_locked=True)
    picked = list(session.execute(pick).scalars())
    if not picked:
        return []
    picked = _cancel_withdrawn(session, picked, now)
    if not picked:
        return []
    stmt = (
        update(Alert)
        .where(Alert.id.in_(picked))
        .where(_due(now))  # a row another worker claimed meanwhile no longer matches
        .values(state="sending", claimed_by=worker_id, lease_until=lease_until, attempts=Alert.attempts + 1)
        .returning(Alert.id)
    )
    ids = list(session.execute(stmt, execution_options={"synchronize_session": False}).scalars())
    if not ids:
        return []
    rows = session.scalars(
        select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id).execution_options(populate_existing=True)
    )
    return list(rows)


def _cancel_withdrawn(session: Session, picked: list[int], now: datetime) -> list[int]:
    """Of picked rows, cancel those listing a claim withdrawn since they were queued (a requeued dead row, a
    crashed sender's row, a withdrawal racing this delivery); return the rest. The cancelled rows' other claims
    go back before the rules (alert_claims.release)."""
    listed = alert_claims.claims_of(session, picked)
    every = sorted({c for claims in listed.values() for c in claims})
    withdrawn = set(session.scalars(select(Claim.id).where(Claim.id.in_(every), Claim.withdrawn_at.is_not(None))))
    gone = [alert_id for alert_id, claims in listed.items() if claims & withdrawn]
    if not gone:
        return picked
    stmt = (
        update(Alert)
        .where(Alert.id.in_(gone), _due(now))
        .values(state=CANCELLED, next_attempt_at=None, claimed_by=None, lease_until=None, last_error=CANCEL_REASON)
        .returning(Alert.id)
    )
    cancelled = set(session.execute(stmt, execution_options={"synchronize_session": False}).scalars())
    alert_claims.release(session, sorted(cancelled))
    return [i for i in picked if i not in cancelled]


def finish(
    session: Session,
    alert_id: int,
    worker_id: str,
    *,
    error: str | None,
    retry_at: datetime | None,
    max_attempts: int,
    now: datetime | None = None,
    maybe_delivered: bool = False,
) -> str | None:
    """Record one attempt's outcome on a row this worker holds; returns the new state, or None when the
    lease was lost (another worker took the row after it expired, and records its own outcome).

    A failure is `unknown` when the request may have reached the target (`maybe_delivered`), else `failed`;
    either becomes `dead` once the row has used `max_attempts`.
    """
    # One conditional UPDATE: it only touches a row this worker still holds, and decides the state in SQL.
    values: dict[str, Any] = {"claimed_by": None, "lease_until": None}
    if error is None:
        values |= {"state": "sent", "sent_at": now or utcnow(), "last_error": None, "next_attempt_at": None}
    else:
        out_of_attempts = Alert.attempts >= max_attempts
        values |= {
            "state": case((out_of_attempts, "dead"), else_=UNKNOWN if maybe_delivered else "failed"),
            "last_error": error[:2000],
            "next_attempt_at": case((out_of_attempts, None), else_=literal(retry_at, UTCDateTime())),
        }
    stmt = (
        update(Alert)
        .where(Alert.id == alert_id, Alert.state == "sending", Alert.claimed_by == worker_id)
        .values(**values)
        .returning(Alert.state)
    )
    return session.execute(stmt, execution_options={"synchronize_session": False}).scalar_one_or_none()


def immediate_claims_since(session: Session, rule: str, since: datetime) -> int:
    """How many distinct claims a rule has alerted immediately since `since` (for throttling). Alerts cancelled
    because their claim was withdrawn never reach anyone, so they leave room for others."""
    stmt = select(func.count(func.distinct(Alert.claim_id))).where(
        Alert.rule == rule, Alert.kind == "immediate", Alert.created_at >= since, Alert.state != CANCELLED
    )
    return int(session.execute(stmt).scalar_one())


def take_digest_items(session: Session, rule: str, until: datetime, digest_key: str) -> list[DigestItem]:
    """Claim the rule's items created up to `until` that no digest holds yet, for the digest `digest_key`."""
    # Items of withdrawn claims wait, unclaimed: they join a later digest only if the claim comes back.
    stmt = (
        select(DigestItem)
        .join(Claim, Claim.id == DigestItem.claim_id)
        .where(DigestItem.rule == rule, DigestItem.digest_key.is_(None), DigestItem.created_at <= until)
        .where(Claim.withdrawn_at.is_(None))
        .order_by(DigestItem.id)
        .with_for_update(of=DigestItem)
    )
    items = list(session.scalars(stmt))
    for item in items:
        item.digest_key = digest_key
    return items


def digest_exists(session: Session, digest_key: str) -> bool:
    return session.execute(select(Alert.id).where(Alert.digest_key == digest_key).limit(1)).first() is not None
