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
from typing import Any

from sqlalchemy import Row, case, select, text, update
from sqlalchemy.orm import Session

from chipwatch.storage.cluster_writes import write_join, write_start
from chipwatch.storage.fact_keys import ClusterKey, cluster_key, same_value, search_bounds
from chipwatch.storage.models import Article, Claim, ClaimCluster, Contradiction
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
class StoredClaim:
    """What clustering reads of a stored claim (the columns of STORED_CLAIM_COLUMNS, in order)."""

    id: int
    entities: list[str]
    topics: list[str]
    quantities: list[dict[str, Any]]
    stance: str
    language: str | None
    created_at: datetime
    source_id: int


# Select these joined to the claim's article: storage.claims reads them once for its tags and for clustering.
STORED_CLAIM_COLUMNS = (
    Claim.id,
    Claim.entities,
    Claim.topics,
    Claim.quantities,
    Claim.stance,
    Claim.language,
    Claim.created_at,
    Article.source_id,
)


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
    rows = (
        session.connection()
        .execute(
            select(*STORED_CLAIM_COLUMNS)
            .join(Article, Claim.article_id == Article.id)
            .where(Claim.id.in_(list(claim_ids)), Claim.cluster_id.is_(None))
            .order_by(Claim.id)
        )
        .all()
    )
    return cluster_stored(session, [StoredClaim(*row) for row in rows])


def cluster_stored(session: Session, stored: Sequence[StoredClaim]) -> list[Placed]:
    """The same for claims just inserted and read back by the caller (storage.claims.add_claims)."""
    if not stored:
        return []
    claims = [
        _NewClaim(
            c.id,
            cluster_key(c.entities or [], c.topics or [], c.quantities or []),
            c.stance,
            c.language,
            c.source_id,
            c.created_at,
        )
        for c in sorted(stored, key=lambda c: c.id)
    ]
    _lock_slots(session, [c.key.slot for c in claims])
    return [_place(session, claim) for claim in claims]


def _lock_slots(session: Session, slots: list[str]) -> None:
    """Serialise writers of the same slots until this transaction ends (PostgreSQL; SQLite has one writer).
    One statement takes them all in ascending key order (a volatile function runs after the ORDER BY), so
    two articles naming the same companies never wait for each other in a circle."""
    if session.get_bind().dialect.name != "postgresql" or not slots:
        return
    keys = sorted({int.from_bytes(hashlib.sha256(s.encode()).digest()[:4], "big", signed=True) for s in slots})
    session.connection().execute(
        text("SELECT pg_advisory_xact_lock(:cls, k) FROM unnest(CAST(:keys AS integer[])) AS k ORDER BY k"),
        {"cls": _LOCK_CLASS, "keys": keys},
    )


def _place(session: Session, claim: _NewClaim) -> Placed:
    key = claim.key
    rows = _candidates(session, claim)
    if key.value is None:
        match = rows[0] if rows else None
    else:
        match = next((r for r in rows if r.value is not None and same_value(r.value, key.value)), None)
    if match is None:
        return _start(session, claim, rows if key.comparable else [])
    return _join(session, match, claim)


def _candidates(session: Session, claim: _NewClaim) -> list[Row[Any]]:
    """Clusters the claim may join, read through the (slot, value) index. For a named metric in a named
    period every cluster of the slot comes back (within rounding first): the others are the values a new
    one contradicts. An event's candidate is its slot's cluster seen within the window."""
    key, table = claim.key, ClaimCluster.__table__
    stmt = select(table).where(table.c.slot == key.slot)
    if key.value is None:
        stmt = stmt.where(table.c.last_seen >= claim.seen - EVENT_WINDOW).order_by(table.c.last_seen.desc()).limit(1)
        return list(session.connection().execute(stmt))
    low, high = search_bounds(key.value)
    near = table.c.value.between(low, high)
    if key.comparable:
        stmt = stmt.order_by(case((near, 0), else_=1), table.c.id.desc()).limit(MAX_PEERS + 50)
    else:
        stmt = stmt.where(near).order_by(table.c.id).limit(50)
    return list(session.connection().execute(stmt))


def _start(session: Session, claim: _NewClaim, peers: list[Row[Any]]) -> Placed:
    key = claim.key
    differing = [p for p in peers[: MAX_PEERS + 50] if not same_value(p.value or 0.0, key.value or 0.0)]
    differing = sorted(differing, key=lambda p: p.id, reverse=True)[:MAX_PEERS]
    novelty = CONTRADICTION if differing else NEW_VALUE if peers else STARTED
    stance = _stance_columns(claim)
    row = {
        "kind": key.kind,
        "slot": key.slot,
        "entity": key.entity,
        "metric": key.metric,
        "period": key.period,
        "unit": key.unit,
        "topic": key.topic,
        "value": key.value,
        "values": [key.value] if key.value is not None else [],
        "size": 1,
        "languages": [claim.language] if claim.language else [],
        "source_count": 1,
        "contradictions": len(differing),
        "first_claim_id": claim.id,
        "first_source_id": claim.source_id,
        "first_seen": claim.seen,
        "last_seen": claim.seen,
        "last_bullish_claim_id": None,
        "last_bullish_at": None,
        "last_bearish_claim_id": None,
        "last_bearish_at": None,
        "stance_contradicted": False,
        **stance,
    }
    cluster_id = write_start(session, row, claim.id, novelty)
    for peer in sorted(differing, key=lambda p: p.id):
        _contradiction(session, "value", peer.id, cluster_id, peer.first_claim_id, claim, key)
        session.connection().execute(
            update(ClaimCluster)
            .where(ClaimCluster.id == peer.id)
            .values(contradictions=ClaimCluster.contradictions + 1)
        )
    return Placed(claim.id, cluster_id, novelty)


def _join(session: Session, cluster: Row[Any], claim: _NewClaim) -> Placed:
    changes: dict[str, Any] = {"size": cluster.size + 1, "last_seen": max(cluster.last_seen, claim.seen)}
    if claim.language and claim.language not in (cluster.languages or []):
        changes["languages"] = sorted({*(cluster.languages or []), claim.language})
    value = claim.key.value
    if value is not None and value not in (cluster.values or []) and len(cluster.values or []) < MAX_VALUES:
        changes["values"] = [*(cluster.values or []), value]
    novelty = None
    opposite = _opposite(cluster, claim)
    if opposite is not None and _contradiction(session, "stance", cluster.id, cluster.id, opposite, claim, claim.key):
        changes |= {"contradictions": cluster.contradictions + 1, "stance_contradicted": True}
        novelty = CONTRADICTION
    changes |= _stance_columns(claim)
    write_join(session, cluster.id, changes, claim.id, claim.source_id, novelty)
    return Placed(claim.id, cluster.id, novelty)


def _opposite(cluster: Row[Any], claim: _NewClaim) -> int | None:
    """The newest member of the other stance within the window, for a fact cluster (events are too broad:
    a week of 'NVIDIA, export controls' holds both hopes and fears without contradicting anything). Once a
    cluster has its stance contradiction, nothing more is looked for."""
    if cluster.kind != "fact" or cluster.stance_contradicted:
        return None
    if claim.stance == "bullish":
        other_id, other_at = cluster.last_bearish_claim_id, cluster.last_bearish_at
    elif claim.stance == "bearish":
        other_id, other_at = cluster.last_bullish_claim_id, cluster.last_bullish_at
    else:
        return None
    if other_id is None or other_at is None or abs(claim.seen - other_at) > STANCE_WINDOW:
        return None
    return int(other_id)


def _stance_columns(claim: _NewClaim) -> dict[str, Any]:
    if claim.stance == "bullish":
        return {"last_bullish_claim_id": claim.id, "last_bullish_at": claim.seen}
    if claim.stance == "bearish":
        return {"last_bearish_claim_id": claim.id, "last_bearish_at": claim.seen}
    return {}


def _contradiction(
    session: Session, kind: str, side_a: int, side_b: int, claim_a: int, claim: _NewClaim, key: ClusterKey
) -> bool:
    """Record a contradiction between two sides (once per pair and kind); True when it is new."""
    row = {
        "kind": kind,
        "cluster_a_id": side_a,
        "cluster_b_id": side_b,
        "claim_a_id": claim_a,
        "claim_b_id": claim.id,
        "entity": key.entity,
        "metric": key.metric,
        "period": key.period,
        "created_at": claim.seen,
    }
    return bool(insert_ignore(session, Contradiction, [row], ["kind", "cluster_a_id", "cluster_b_id"]))
