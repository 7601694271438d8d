"""JSON API of claim clusters: /api/clusters, /api/contradictions, /api/timeline (read-only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.orm import Session

from chipwatch.dashboard.deps import get_session
from chipwatch.dashboard.params import MAX_LIMIT, FilterError, decode_cursor, encode_cursor, parse_time
from chipwatch.dashboard.serialize import cluster_dict, contradiction_dict, timeline_dict
from chipwatch.storage.cluster_queries import (
    MAX_MEMBERS,
    MEMBERS_SHOWN,
    ClusterFilter,
    list_clusters,
    list_contradictions,
    timeline,
)

router = APIRouter(prefix="/api", tags=["api"])

_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


def parse_flag(name: str, value: str | None) -> bool:
    """A yes/no parameter; anything else is a FilterError naming it."""
    folded = (value or "").strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise FilterError(f"{name} {value!r} is not a yes/no value; use true or false")


def _bad(exc: FilterError) -> HTTPException:
    return HTTPException(status_code=400, detail=str(exc))


@router.get("/clusters", summary="Clusters of claims stating the same fact or event, newest first")
def api_clusters(
    entity: str | None = Query(None, description="canonical entity name, e.g. NVIDIA"),
    metric: str | None = Query(None, description="revenue, capex, gross_margin, share_price_move, ..."),
    since: str | None = Query(None, description="seen since: ISO date/time, or relative: 24h, 7d"),
    contradictions: str | None = Query(None, description="true: only clusters on a side of a contradiction"),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    members: int = Query(MEMBERS_SHOWN, ge=0, le=MAX_MEMBERS, description="claims listed per cluster, oldest first"),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """`items`: clusters with their first `members` claims (oldest first; `size` counts them all), languages,
    sources, first seen and the values stated. `next_cursor`: pass it as `cursor` for the next (older) page;
    null on the last page."""
    try:
        flt = ClusterFilter(
            entity=(entity or "").strip() or None,
            metric=(metric or "").strip() or None,
            since=parse_time("since", (since or "").strip() or None),
            contradictions=parse_flag("contradictions", contradictions),
        )
        before = decode_cursor(cursor)
    except FilterError as exc:
        raise _bad(exc) from None
    page = list_clusters(session, flt, limit=limit, before_id=before, members=members)
    return {"items": [cluster_dict(v) for v in page.rows], "next_cursor": encode_cursor(page.next_before)}


@router.get("/contradictions", summary="Contradictions newest first, with both sides and their sources")
def api_contradictions(
    entity: str | None = Query(None, description="canonical entity name, e.g. NVIDIA"),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    try:
        before = decode_cursor(cursor)
    except FilterError as exc:
        raise _bad(exc) from None
    rows, next_before = list_contradictions(
        session, entity=(entity or "").strip() or None, limit=limit, before_id=before
    )
    return {"items": [contradiction_dict(v) for v in rows], "next_cursor": encode_cursor(next_before)}


@router.get("/timeline", summary="One entity's values over time (per metric), with their sources")
def api_timeline(
    entity: str = Query(..., min_length=1, max_length=100, description="canonical entity name, e.g. NVIDIA"),
    metric: str | None = Query(None, description="revenue, capex, guidance, ...; all metrics when absent"),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """`points`: oldest first, one per value stated (a fact cluster): period, value, unit, first and last
    seen, how many claims and which sources stated it, and the claim that stated it first."""
    points = timeline(session, entity.strip(), (metric or "").strip() or None)
    return {"entity": entity.strip(), "metric": metric, "points": [timeline_dict(p) for p in points]}
