"""The writes that place one claim in its cluster, in as few round trips as each database allows.

Clustering runs inside the claim-store transaction, so its cost is counted in round trips: on PostgreSQL the
cluster row, its (cluster, source) row and the claim's `cluster_id` are written by one statement with
data-modifying CTEs; SQLite, in-process, runs the same three writes one after another. Both return the same.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chipwatch.storage.models import Claim, ClaimCluster, ClusterSource


def write_start(session: Session, cluster: dict[str, Any], claim_id: int, novelty: str | None) -> int:
    """Insert a cluster whose first member is `claim_id`, its source row, and point the claim at it."""
    source_id = cluster["first_source_id"]
    if _dialect(session) == "postgresql":
        new = postgresql.insert(ClaimCluster).values(**cluster).returning(ClaimCluster.id).cte("new_cluster")
        source = (
            postgresql.insert(ClusterSource)
            .from_select(
                ["cluster_id", "source_id", "first_claim_id"],
                select(new.c.id, literal(source_id), literal(claim_id)),
            )
            .cte("new_source")
        )
        stmt = (
            update(Claim)
            .where(Claim.id == claim_id)
            .values(cluster_id=select(new.c.id).scalar_subquery(), novelty=novelty)
            .add_cte(new, source)
            .returning(Claim.cluster_id)
        )
        return int(session.connection().execute(stmt).scalar_one())
    cluster_id = int(
        session.connection()
        .execute(sqlite.insert(ClaimCluster).values(**cluster).returning(ClaimCluster.id))
        .scalar_one()
    )
    session.connection().execute(
        sqlite.insert(ClusterSource).values(cluster_id=cluster_id, source_id=source_id, first_claim_id=claim_id)
    )
    _point(session, claim_id, cluster_id, novelty)
    return cluster_id


def write_join(
    session: Session, cluster_id: int, changes: dict[str, Any], claim_id: int, source_id: int, novelty: str | None
) -> None:
    """Apply `changes` to the cluster, add the source unless it stated this fact before (counting it), and
    point the claim at the cluster."""
    if _dialect(session) == "postgresql":
        source = (
            postgresql.insert(ClusterSource)
            .values(cluster_id=cluster_id, source_id=source_id, first_claim_id=claim_id)
            .on_conflict_do_nothing(index_elements=["cluster_id", "source_id"])
            .returning(ClusterSource.source_id)
            .cte("new_source")
        )
        counted = ClaimCluster.source_count + select(func.count()).select_from(source).scalar_subquery()
        grown = (
            update(ClaimCluster)
            .where(ClaimCluster.id == cluster_id)
            .values(**changes, source_count=counted)
            .returning(ClaimCluster.id)
            .cte("grown")
        )
        stmt = (
            update(Claim)
            .where(Claim.id == claim_id)
            .values(cluster_id=cluster_id, novelty=novelty)
            .add_cte(source, grown)
        )
        session.connection().execute(stmt)
        return
    added = (
        session.connection()
        .execute(
            sqlite.insert(ClusterSource)
            .values(cluster_id=cluster_id, source_id=source_id, first_claim_id=claim_id)
            .on_conflict_do_nothing(index_elements=["cluster_id", "source_id"])
            .returning(ClusterSource.source_id)
        )
        .first()
    )
    if added is not None:
        changes = {**changes, "source_count": ClaimCluster.source_count + 1}
    session.connection().execute(update(ClaimCluster).where(ClaimCluster.id == cluster_id).values(**changes))
    _point(session, claim_id, cluster_id, novelty)


def _point(session: Session, claim_id: int, cluster_id: int, novelty: str | None) -> None:
    stmt = update(Claim).where(Claim.id == claim_id).values(cluster_id=cluster_id, novelty=novelty)
    session.connection().execute(stmt)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
