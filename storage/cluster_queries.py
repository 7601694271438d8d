"""The read side of claim clusters: cluster lists, contradictions, per-entity timelines.

Lists are newest cluster first (id descending) with keyset pagination, like the claims list. A cluster's
counters (size, languages, source count, values) live on its row; only the members shown are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chipwatch.storage.claim_context import ClaimInContext, claims_in_context
from chipwatch.storage.models import Alert, Claim, ClaimCluster, ClusterSource, Contradiction, Source
from chipwatch.storage.outbox import CANCELLED

MEMBERS_SHOWN = 5  # members listed per cluster in lists; `members=` asks for up to MAX_MEMBERS
MAX_MEMBERS = 50


@dataclass(frozen=True)
class ClusterFilter:
    entity: str | None = None
    metric: str | None = None
    since: datetime | None = None  # clusters seen (last_seen) at or after this time
    contradictions: bool = False  # only clusters that are a side of a contradiction


@dataclass(frozen=True)
class ClusterView:
    cluster: ClaimCluster
    first_source: str
    sources: list[str]
    members: list[ClaimInContext]  # the first MEMBERS_SHOWN, oldest first
    contradiction_ids: list[int]


@dataclass(frozen=True)
class ClusterPage:
    rows: list[ClusterView]
    next_before: int | None


def list_clusters(
    session: Session, flt: ClusterFilter, *, limit: int = 50, before_id: int | None = None, members: int = MEMBERS_SHOWN
) -> ClusterPage:
    """One page of clusters matching `flt`, newest first, each with its sources and first members."""
    stmt = select(ClaimCluster)
    if flt.entity:
        stmt = stmt.where(ClaimCluster.entity == flt.entity)
    if flt.metric:
        stmt = stmt.where(ClaimCluster.metric == flt.metric)
    if flt.since:
        stmt = stmt.where(ClaimCluster.last_seen >= flt.since)
    if flt.contradictions:
        stmt = stmt.where(ClaimCluster.contradictions > 0)
    if before_id is not None:
        stmt = stmt.where(ClaimCluster.id < before_id)
    found = list(session.scalars(stmt.order_by(ClaimCluster.id.desc()).limit(limit + 1)))
    more = len(found) > limit
    found = found[:limit]
    views = cluster_views(session, found, members=members)
    return ClusterPage(views, found[-1].id if more and found else None)


def cluster_by_id(session: Session, cluster_id: int) -> ClusterView | None:
    cluster = session.get(ClaimCluster, cluster_id)
    return cluster_views(session, [cluster], members=200)[0] if cluster is not None else None


def cluster_views(session: Session, clusters: Sequence[ClaimCluster], *, members: int) -> list[ClusterView]:
    """Sources, members and contradictions of these clusters: one query for sources and contradictions each,
    one short index walk per cluster for its members (a cluster may hold thousands)."""
    if not clusters:
        return []
    ids = [c.id for c in clusters]
    names = dict(session.execute(select(Source.id, Source.name)).all())
    sources: dict[int, list[str]] = {}
    for cluster_id, source_id in session.execute(
        select(ClusterSource.cluster_id, ClusterSource.source_id)
        .where(ClusterSource.cluster_id.in_(ids))
        .order_by(ClusterSource.first_claim_id)
    ):
        sources.setdefault(cluster_id, []).append(names.get(source_id, str(source_id)))
    contradictions: dict[int, list[int]] = {}
    for cid, a, b in session.execute(
        select(Contradiction.id, Contradiction.cluster_a_id, Contradiction.cluster_b_id).where(
            or_(Contradiction.cluster_a_id.in_(ids), Contradiction.cluster_b_id.in_(ids))
        )
    ):
        for side in {a, b}:
            contradictions.setdefault(side, []).append(cid)
    shown = _first_members(session, ids, members)
    return [
        ClusterView(
            c,
            names.get(c.first_source_id, str(c.first_source_id)),
            sources.get(c.id, []),
            shown.get(c.id, []),
            sorted(contradictions.get(c.id, [])),
        )
        for c in clusters
    ]


def _first_members(session: Session, cluster_ids: list[int], members: int) -> dict[int, list[ClaimInContext]]:
    """The first `members` claims of each cluster, oldest first, in one query (a window over the members)."""
    if members <= 0:
        return {}
    ranked = (
        select(Claim.id, func.row_number().over(partition_by=Claim.cluster_id, order_by=Claim.id).label("n"))
        .where(Claim.cluster_id.in_(cluster_ids))
        .subquery()
    )
    stmt = claims_in_context().join(ranked, ranked.c.id == Claim.id).where(ranked.c.n <= members).order_by(Claim.id)
    out: dict[int, list[ClaimInContext]] = {}
    for row in session.execute(stmt):
        item = ClaimInContext.from_row(row)
        out.setdefault(item.claim.cluster_id or 0, []).append(item)
    return out


@dataclass(frozen=True)
class ContradictionView:
    record: Contradiction
    side_a: ClusterView
    side_b: ClusterView
    claim_a: ClaimInContext | None
    claim_b: ClaimInContext | None


def list_contradictions(
    session: Session, *, entity: str | None = None, limit: int = 50, before_id: int | None = None
) -> tuple[list[ContradictionView], int | None]:
    """Contradictions newest first, each with both sides (clusters and the claims that make them)."""
    stmt = select(Contradiction)
    if entity:
        stmt = stmt.where(Contradiction.entity == entity)
    if before_id is not None:
        stmt = stmt.where(Contradiction.id < before_id)
    found = list(session.scalars(stmt.order_by(Contradiction.id.desc()).limit(limit + 1)))
    more = len(found) > limit
    found = found[:limit]
    cluster_ids = {c.cluster_a_id for c in found} | {c.cluster_b_id for c in found}
    clusters = list(session.scalars(select(ClaimCluster).where(ClaimCluster.id.in_(cluster_ids))))
    views = {v.cluster.id: v for v in cluster_views(session, clusters, members=5)}
    claim_ids = [c.claim_a_id for c in found] + [c.claim_b_id for c in found]
    claims = {
        r.claim.id: r
        for r in (
            ClaimInContext.from_row(x) for x in session.execute(claims_in_context().where(Claim.id.in_(claim_ids)))
        )
    }
    rows = [
        ContradictionView(
            c, views[c.cluster_a_id], views[c.cluster_b_id], claims.get(c.claim_a_id), claims.get(c.claim_b_id)
        )
        for c in found
    ]
    return rows, (found[-1].id if more and found else None)


@dataclass(frozen=True)
class TimelinePoint:
    """One value an entity's metric took, as first stated: a fact cluster."""

    cluster_id: int
    metric: str | None
    period: str | None
    unit: str | None
    value: float
    first_seen: datetime
    last_seen: datetime
    size: int
    sources: list[str]
    first_claim: ClaimInContext | None


def timeline(session: Session, entity: str, metric: str | None = None, limit: int = 500) -> list[TimelinePoint]:
    """The values of one entity (and metric) over time, oldest first: the fact clusters, each with its sources
    and the claim that first stated it (a guidance raised, a capex figure revised)."""
    stmt = select(ClaimCluster).where(ClaimCluster.entity == entity, ClaimCluster.kind == "fact")
    if metric:
        stmt = stmt.where(ClaimCluster.metric == metric)
    found = list(session.scalars(stmt.order_by(ClaimCluster.first_seen.desc(), ClaimCluster.id.desc()).limit(limit)))
    found.reverse()
    views = {v.cluster.id: v for v in cluster_views(session, found, members=1)}
    return [
        TimelinePoint(
            c.id,
            c.metric,
            c.period,
            c.unit,
            float(c.value or 0.0),
            c.first_seen,
            c.last_seen,
            c.size,
            views[c.id].sources,
            views[c.id].members[0] if views[c.id].members else None,
        )
        for c in found
    ]


@dataclass(frozen=True)
class ClusterNote:
    """What an alert says about a claim's cluster, and what the claim did to it (see storage.clustering)."""

    cluster_id: int
    novelty: str | None
    size: int
    languages: list[str]
    first_source: str


def cluster_notes(session: Session, claim_ids: Sequence[int]) -> dict[int, ClusterNote]:
    """Claim id -> its cluster's note, for the clustered ones among `claim_ids`."""
    if not claim_ids:
        return {}
    rows = session.execute(
        select(Claim.id, Claim.cluster_id, Claim.novelty, ClaimCluster.size, ClaimCluster.languages, Source.name)
        .join(ClaimCluster, ClaimCluster.id == Claim.cluster_id)
        .join(Source, Source.id == ClaimCluster.first_source_id)
        .where(Claim.id.in_(list(claim_ids)))
    )
    return {cid: ClusterNote(k, novelty, size, list(langs or []), src) for cid, k, novelty, size, langs, src in rows}


def clusters_alerted(session: Session, cluster_ids: Sequence[int]) -> set[tuple[str, int]]:
    """(rule, cluster id) pairs for which an immediate alert was queued (and not cancelled) for some member."""
    if not cluster_ids:
        return set()
    rows = session.execute(
        select(Alert.rule, Claim.cluster_id)
        .join(Claim, Claim.id == Alert.claim_id)
        .where(Claim.cluster_id.in_(list(set(cluster_ids))), Alert.kind == "immediate", Alert.state != CANCELLED)
        .distinct()
    )
    return {(rule, int(cluster_id)) for rule, cluster_id in rows}
