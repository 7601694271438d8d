"""The writes that place one claim in its cluster, in as few round trips as each database allows.

Clustering runs inside the claim-store transaction, so its cost is counted in round trips: on PostgreSQL the
cluster row, its (cluster, source) row and the claim's `cluster_id` are written by one statement with
data-modifying CTEs; SQLite, in-process, runs the same three writes one after another. Both return the same.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, bindparam, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from chipwatch.storage.models import Claim, ClaimCluster, ClusterSource


def write_start(session: Session, cluster: dict[str, Any], claim_id: int, novelty: str | None) -> int:
    """Insert a cluster whose first member is `claim_id`, its source row, and point the claim at it."""
    source_id = cluster["first_source_id"]
    if _dialect(session) == "postgresql":
        params = {**cluster, "claim_id": claim_id, "novelty": novelty}
        return int(session.connection().execute(_start_sql(tuple(sorted(cluster))), params).scalar_one())
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
        params = {**changes, "cluster_id": cluster_id, "source_id": source_id, "claim_id": claim_id, "novelty": novelty}
        session.connection().execute(_join_sql(tuple(sorted(changes))), params)
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


# PostgreSQL: one statement each, written out because SQLAlchemy cannot cache a compiled INSERT ... ON
# CONFLICT or a data-modifying CTE (NO_CACHE_KEY): built with Core they were compiled for every claim, and that
# was most of clustering's CPU. A text() statement is compiled once per column set (lru_cache below).
_TABLE = ClaimCluster.__table__


def _typed(sql: str, columns: tuple[str, ...]) -> TextClause:
    return text(sql).bindparams(*(bindparam(c, type_=_TABLE.c[c].type) for c in columns))


@lru_cache(maxsize=64)
def _start_sql(columns: tuple[str, ...]) -> TextClause:
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f":{c}" for c in columns)
    return _typed(
        f"WITH new_cluster AS (INSERT INTO claim_clusters ({names}) VALUES ({values}) RETURNING id), "
        "new_source AS (INSERT INTO cluster_sources (cluster_id, source_id, first_claim_id) "
        "SELECT id, :first_source_id, :claim_id FROM new_cluster) "
        "UPDATE claims SET cluster_id = (SELECT id FROM new_cluster), novelty = :novelty WHERE id = :claim_id "
        "RETURNING cluster_id",
        columns,
    )


@lru_cache(maxsize=256)
def _join_sql(columns: tuple[str, ...]) -> TextClause:
    sets = ", ".join(f'"{c}" = :{c}' for c in columns)
    return _typed(
        "WITH new_source AS (INSERT INTO cluster_sources (cluster_id, source_id, first_claim_id) "
        "VALUES (:cluster_id, :source_id, :claim_id) ON CONFLICT (cluster_id, source_id) DO NOTHING "
        "RETURNING source_id), "
        f"grown AS (UPDATE claim_clusters SET {sets}, "
        "source_count = source_count + (SELECT count(*) FROM new_source) WHERE id = :cluster_id RETURNING id) "
        "UPDATE claims SET cluster_id = :cluster_id, novelty = :novelty WHERE id = :claim_id",
        columns,
    )


def _point(session: Session, claim_id: int, cluster_id: int, novelty: str | None) -> None:
    stmt = update(Claim).where(Claim.id == claim_id).values(cluster_id=cluster_id, novelty=novelty)
    session.connection().execute(stmt)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
