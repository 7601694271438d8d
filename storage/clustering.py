"""Incremental claim clustering: each new claim joins the cluster of its fact or event, or starts one.

Called once, from `storage.claims.add_claims`, in the transaction that stores the claims, so a claim is never
stored without its cluster and nothing ever needs re-clustering. A claim finds its candidates through one
index (`slot`, `value`): the clusters of the same entity, metric, period and unit whose value lies within
rounding of its own, or, for a claim without a number, the event cluster of its entity and topic seen in the
last week.

Concurrency: two workers storing claims of one fact at once must end in one cluster. Each transaction first
takes a lock per slot it will touch, in sorted order (no deadlock between two articles naming the same
companies): a transaction-scoped advisory lock on PostgreSQL, released by the commit. The second worker then
reads the cluster the first one committed. On SQLite the claim INSERT before this has taken the database's
single write lock already.

What a claim did to its cluster is kept on the claim (`novelty`): `started` (a fact or event not seen
before), `new_value` (another value for an entity, metric and period that had one: a revision, a second
estimate), `contradiction` (it made a contradiction record), or NULL (it repeated what was known). Novelty-
gated alert rules read it (alerts/novelty.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from chipwatch.storage.fact_keys import ClusterKey, cluster_key, same_value, search_bounds
from chipwatch.storage.models import Article, Claim, ClaimCluster, ClusterSource, Contradiction
from chipwatch.storage.upsert import insert_ignore

# A claim without a number joins its entity and topic's event cluster only if that was seen this recently.
EVENT_WINDOW = timedelta(days=7)
# Opposite stances on one fact this close together are a contradiction.
STANCE_WINDOW = timedelta(days=7)
MAX_VALUES = 10  # distinct values kept per cluster
MAX_PEERS = 20  # other values of one entity, metric and period a new value is checked against
_LOCK_CLASS = 17  # pg_advisory_xact_lock(class, key): this class is clustering's own key space

STARTED, NEW_VALUE, CONTRADICTION = "started", "new_value", "contradiction"


@dataclass(frozen=True)
class Placed:
    """Where one claim went."""

    claim_id: int
    cluster_id: int
    novelty: str | None


@dataclass(frozen=True)
class _NewClaim:
    id: int
    key: ClusterKey
    stance: str
    language: str | None
    source_id: int
    seen: datetime


def cluster_claims(session: Session, claim_ids: Sequence[int]) -> list[Placed]:
    """Put each of these stored, unclustered claims into its cluster (in id order); returns where they went."""
    if not claim_ids:
        return []
    rows = session.execute(
        select(
            Claim.id,
            Claim.entities,
            Claim.topics,
            Claim.quantities,
            Claim.stance,
            Claim.language,
            Claim.created_at,
            Article.source_id,
        )
        .join(Article, Claim.article_id == Article.id)
        .where(Claim.id.in_(list(claim_ids)), Claim.cluster_id.is_(None))
        .order_by(Claim.id)
    ).all()
    claims = [
        _NewClaim(cid, cluster_key(entities or [], topics or [], quantities or []), stance, lang, source, seen)
        for cid, entities, topics, quantities, stance, lang, seen, source in rows
    ]
    _lock_slots(session, sorted({c.key.slot for c in claims}))
    placed = [_place(session, claim) for claim in claims]
    session.execute(
        update(Claim),
        [{"id": p.claim_id, "cluster_id": p.cluster_id, "novelty": p.novelty} for p in placed],
    )
    return placed


def _lock_slots(session: Session, slots: list[str]) -> None:
    """Serialise writers of the same slots until this transaction ends (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for slot in slots:
        key = int.from_bytes(hashlib.sha256(slot.encode()).digest()[:4], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": _LOCK_CLASS, "key": key})


def _place(session: Session, claim: _NewClaim) -> Placed:
    cluster = _candidate(session, claim)
    if cluster is None:
        return _start(session, claim)
    return _join(session, cluster, claim)


def _candidate(session: Session, claim: _NewClaim) -> ClaimCluster | None:
    key = claim.key
    stmt = select(ClaimCluster).where(ClaimCluster.slot == key.slot)
    if key.value is not None:
        low, high = search_bounds(key.value)
        stmt = stmt.where(ClaimCluster.value.between(low, high)).order_by(ClaimCluster.id).limit(50)
        return next((c for c in session.scalars(stmt) if same_value(c.value or 0.0, key.value)), None)
    stmt = stmt.where(ClaimCluster.last_seen >= claim.seen - EVENT_WINDOW)
    return session.scalars(stmt.order_by(ClaimCluster.last_seen.desc()).limit(1)).first()


def _start(session: Session, claim: _NewClaim) -> Placed:
    key = claim.key
    cluster = ClaimCluster(
        kind=key.kind,
        slot=key.slot,
        entity=key.entity,
        metric=key.metric,
        period=key.period,
        unit=key.unit,
        topic=key.topic,
        value=key.value,
        values=[key.value] if key.value is not None else [],
        size=1,
        languages=[claim.language] if claim.language else [],
        source_count=1,
        contradictions=0,
        first_claim_id=claim.id,
        first_source_id=claim.source_id,
        first_seen=claim.seen,
        last_seen=claim.seen,
    )
    _note_stance(cluster, claim)
    session.add(cluster)
    session.flush()
    session.add(ClusterSource(cluster_id=cluster.id, source_id=claim.source_id, first_claim_id=claim.id))
    novelty = STARTED
    if key.comparable:
        peers = session.scalars(
            select(ClaimCluster)
            .where(ClaimCluster.slot == key.slot, ClaimCluster.id != cluster.id)
            .order_by(ClaimCluster.id.desc())
            .limit(MAX_PEERS)
        ).all()
        if peers:
            novelty = NEW_VALUE
        for peer in sorted(peers, key=lambda p: p.id):
            if _contradict(session, "value", peer, cluster, peer.first_claim_id, claim):
                novelty = CONTRADICTION
    return Placed(claim.id, cluster.id, novelty)


def _join(session: Session, cluster: ClaimCluster, claim: _NewClaim) -> Placed:
    cluster.size += 1
    cluster.last_seen = max(cluster.last_seen, claim.seen)
    if claim.language and claim.language not in cluster.languages:
        cluster.languages = sorted({*cluster.languages, claim.language})
    value = claim.key.value
    if value is not None and value not in cluster.values and len(cluster.values) < MAX_VALUES:
        cluster.values = [*cluster.values, value]
    if session.get(ClusterSource, (cluster.id, claim.source_id)) is None:
        session.add(ClusterSource(cluster_id=cluster.id, source_id=claim.source_id, first_claim_id=claim.id))
        cluster.source_count += 1
    novelty = None
    opposite = _opposite(cluster, claim)
    if opposite is not None and _contradict(session, "stance", cluster, cluster, opposite, claim):
        novelty = CONTRADICTION
    _note_stance(cluster, claim)
    return Placed(claim.id, cluster.id, novelty)


def _opposite(cluster: ClaimCluster, claim: _NewClaim) -> int | None:
    """The newest member of the other stance within the window, for a fact cluster (events are too broad:
    a week of 'NVIDIA, export controls' holds both hopes and fears without contradicting anything)."""
    if cluster.kind != "fact":
        return None
    if claim.stance == "bullish":
        other_id, other_at = cluster.last_bearish_claim_id, cluster.last_bearish_at
    elif claim.stance == "bearish":
        other_id, other_at = cluster.last_bullish_claim_id, cluster.last_bullish_at
    else:
        return None
    if other_id is None or other_at is None or abs(claim.seen - other_at) > STANCE_WINDOW:
        return None
    return other_id


def _note_stance(cluster: ClaimCluster, claim: _NewClaim) -> None:
    if claim.stance == "bullish":
        cluster.last_bullish_claim_id, cluster.last_bullish_at = claim.id, claim.seen
    elif claim.stance == "bearish":
        cluster.last_bearish_claim_id, cluster.last_bearish_at = claim.id, claim.seen


def _contradict(
    session: Session, kind: str, side_a: ClaimCluster, side_b: ClaimCluster, claim_a: int, claim: _NewClaim
) -> bool:
    """Record a contradiction between two sides (once per pair and kind); True when it is new."""
    if kind == "value" and (side_a.unit != side_b.unit or same_value(side_a.value or 0.0, side_b.value or 0.0)):
        return False
    row = {
        "kind": kind,
        "cluster_a_id": side_a.id,
        "cluster_b_id": side_b.id,
        "claim_a_id": claim_a,
        "claim_b_id": claim.id,
        "entity": side_b.entity,
        "metric": side_b.metric,
        "period": side_b.period,
        "created_at": claim.seen,
    }
    if not insert_ignore(session, Contradiction, [row], ["kind", "cluster_a_id", "cluster_b_id"]):
        return False
    side_a.contradictions += 1
    if side_b is not side_a:
        side_b.contradictions += 1
    return True
