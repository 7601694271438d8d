"""Per-claim dedup records under grouped outbox rows.

An immediate alert lists the matching claims of one article; exactly-once per (rule, claim, target) is kept
here: a claim is reserved for a (rule, target) in the transaction that queues the row listing it, and a
reservation that already exists keeps the claim out of any later row. When a row that never went out is
cancelled (one of its claims was withdrawn), its reservations are released and its other claims are evaluated
again, so they go out in a fresh message without the withdrawn sentence.

An outbox row without records (queued before migration 0010, or written by hand) concerns its `claim_id`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chipwatch.storage.models import Alert, AlertClaim, Claim


def reserve(session: Session, rule: str, target_hash: str, groups: Sequence[tuple[str, Sequence[int]]]) -> set[int]:
    """Record each group's claims as alerted by `rule` to the target under its row's key (`groups`: (alert key,
    claim ids) pairs); return the claim ids that were not recorded before. Only those may be listed in rows."""
    rows = [
        {"rule": rule, "claim_id": c, "target_hash": target_hash, "alert_key": key}
        for key, claim_ids in groups
        for c in claim_ids
    ]
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(AlertClaim)
        .on_conflict_do_nothing(index_elements=["rule", "claim_id", "target_hash"])
        .returning(AlertClaim.claim_id)
    )
    return set(session.connection().execute(stmt, rows).scalars())


def articles_alerted_before(
    session: Session, rule: str, target_hash: str, article_ids: Sequence[int], besides: Sequence[int]
) -> set[int]:
    """Of these articles, those the rule already alerted this target about through claims other than `besides`
    (a new row about them is a follow-up)."""
    if not article_ids:
        return set()
    stmt = (
        select(Claim.article_id)
        .join(AlertClaim, Claim.id == AlertClaim.claim_id)
        .where(AlertClaim.rule == rule, AlertClaim.target_hash == target_hash)
        .where(Claim.article_id.in_(list(article_ids)), AlertClaim.claim_id.not_in(list(besides)))
        .distinct()
    )
    return set(session.scalars(stmt))


def claims_of(session: Session, alert_ids: Sequence[int]) -> dict[int, set[int]]:
    """alert id -> the claims its message lists (its records, or its `claim_id` when it has none)."""
    if not alert_ids:
        return {}
    out: dict[int, set[int]] = defaultdict(set)
    listed = session.execute(
        select(Alert.id, AlertClaim.claim_id)
        .join(AlertClaim, AlertClaim.alert_key == Alert.dedup_key)
        .where(Alert.id.in_(list(alert_ids)))
    )
    for alert_id, claim_id in listed:
        out[alert_id].add(claim_id)
    lone = session.execute(select(Alert.id, Alert.claim_id).where(Alert.id.in_(list(alert_ids))))
    for alert_id, claim_id in lone:
        if alert_id not in out and claim_id is not None:
            out[alert_id].add(claim_id)
    return dict(out)


def alerts_listing(session: Session, claim_ids: Sequence[int], states: Sequence[str]) -> list[int]:
    """Ids of outbox rows in `states` whose message lists any of the claims."""
    if not claim_ids:
        return []
    ids = list(claim_ids)
    by_record = select(Alert.id).join(AlertClaim, AlertClaim.alert_key == Alert.dedup_key)
    by_record = by_record.where(AlertClaim.claim_id.in_(ids), Alert.state.in_(list(states)))
    by_column = select(Alert.id).where(Alert.claim_id.in_(ids), Alert.state.in_(list(states)))
    return sorted(set(session.scalars(by_record)) | set(session.scalars(by_column)))


def release(session: Session, alert_ids: Sequence[int]) -> list[int]:
    """Forget the records of rows that will never go out (just cancelled) and put their claims that still stand
    back in front of the rules; returns those claim ids. The next `enqueue_alerts` lists them in a fresh row."""
    if not alert_ids:
        return []
    keys = list(session.scalars(select(Alert.dedup_key).where(Alert.id.in_(list(alert_ids)))))
    listed = list(session.scalars(select(AlertClaim.claim_id).where(AlertClaim.alert_key.in_(keys))))
    if not listed:
        return []
    session.execute(delete(AlertClaim).where(AlertClaim.alert_key.in_(keys)))
    return reopen(session, listed)


def reopen(session: Session, claim_ids: Sequence[int]) -> list[int]:
    """Mark claims that stand (not withdrawn) as not evaluated by the rules yet; returns their ids. Records that
    exist keep every (rule, claim, target) already alerted from going out again."""
    if not claim_ids:
        return []
    stmt = (
        update(Claim)
        .where(Claim.id.in_(list(claim_ids)), Claim.withdrawn_at.is_(None))
        .values(rules_evaluated=False)
        .returning(Claim.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.execute(stmt).scalars())
