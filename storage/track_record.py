"""Source track records: how often a source was first with a fact, later confirmed by others, contradicted.

Counted from the clusters on each call (one grouped query per figure). The figures move as later claims
arrive (a claim is confirmed when two other sources state its fact after it), so they are not stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from chipwatch.storage.models import Article, Claim, ClaimCluster, ClusterSource, Contradiction, Source

CONFIRMING_SOURCES = 2  # "later stated by at least two other sources"


@dataclass(frozen=True)
class TrackRecord:
    claims: int = 0  # claims the source made (clustered ones)
    first: int = 0  # ... that were the first claim of their cluster
    confirmed: int = 0  # ... whose fact at least two other sources stated later
    contradicted: int = 0  # ... on a side of a contradiction

    def as_dict(self) -> dict[str, int]:
        return {
            "claims": self.claims,
            "first": self.first,
            "confirmed": self.confirmed,
            "contradicted": self.contradicted,
        }


def track_records(session: Session) -> dict[int, TrackRecord]:
    """Track record per source id (sources without clustered claims are absent)."""
    made = _per_source(
        session, select(Article.source_id, func.count()).select_from(Claim).where(Claim.cluster_id.is_not(None))
    )
    first = dict(
        session.execute(select(ClaimCluster.first_source_id, func.count()).group_by(ClaimCluster.first_source_id)).all()
    )
    # A claim is confirmed when >= 2 other sources' first claims in its cluster came after it. Only clusters
    # with 3+ sources can hold such claims: the rest are never read.
    other = aliased(ClusterSource)
    later = (
        select(func.count())
        .where(
            other.cluster_id == Claim.cluster_id,
            other.source_id != Article.source_id,
            other.first_claim_id > Claim.id,
        )
        .correlate(Claim, Article)
        .scalar_subquery()
    )
    confirmed = _per_source(
        session,
        select(Article.source_id, func.count())
        .select_from(Claim)
        .join(ClaimCluster, and_(ClaimCluster.id == Claim.cluster_id, ClaimCluster.source_count > CONFIRMING_SOURCES))
        .where(later >= CONFIRMING_SOURCES),
    )
    # Contradicted: every claim of a cluster on a side of a value contradiction, and the two claims of a
    # stance contradiction (the rest of that cluster agrees with one of them).
    value_sides = (
        select(Contradiction.cluster_a_id.label("k"))
        .where(Contradiction.kind == "value")
        .union(select(Contradiction.cluster_b_id).where(Contradiction.kind == "value"))
    )
    stance_claims = (
        select(Contradiction.claim_a_id.label("c"))
        .where(Contradiction.kind == "stance")
        .union(select(Contradiction.claim_b_id).where(Contradiction.kind == "stance"))
    )
    contradicted = _per_source(
        session,
        select(Article.source_id, func.count())
        .select_from(Claim)
        .join(ClaimCluster, and_(ClaimCluster.id == Claim.cluster_id, ClaimCluster.contradictions > 0))
        .where(or_(Claim.cluster_id.in_(value_sides), Claim.id.in_(stance_claims))),
    )
    return {
        sid: TrackRecord(made.get(sid, 0), first.get(sid, 0), confirmed.get(sid, 0), contradicted.get(sid, 0))
        for sid in set(made) | set(first)
    }


def _per_source(session: Session, stmt: object) -> dict[int, int]:
    query = stmt.join(Article, Article.id == Claim.article_id).group_by(Article.source_id)  # type: ignore[attr-defined]
    return {int(k): int(v) for k, v in session.execute(query).all()}


def track_records_by_name(session: Session) -> dict[str, TrackRecord]:
    """The same, keyed by source name (every configured source, zeros where it has no clustered claims)."""
    records = track_records(session)
    return {name: records.get(sid, TrackRecord()) for sid, name in session.execute(select(Source.id, Source.name))}
