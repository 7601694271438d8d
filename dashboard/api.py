"""JSON API under /api (shapes in INTERFACES.md); secrets masked; read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.orm import Session

from chipwatch.dashboard.deps import claim_query, get_session
from chipwatch.dashboard.params import ClaimQuery, FilterError, decode_cursor, encode_cursor
from chipwatch.dashboard.serialize import alert_dict, article_dict, claim_row_dict, sources_with_track_records
from chipwatch.storage.queries import (
    LISTED_ALERT_STATES,
    alert_counts,
    article_with_claims,
    entity_daily_counts,
    list_alerts,
    list_claims,
)

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/claims", summary="Claims, newest first, filtered, with cursor pagination")
def api_claims(query: ClaimQuery = Depends(claim_query), session: Session = Depends(get_session)) -> dict[str, Any]:
    """`items`: claims with article_url, article_title, source, published. `next_cursor`: pass it as
    `cursor` for the next (older) page; null on the last page. `prev_cursor`: the same for the page before
    (newer); null on the first page."""
    page = list_claims(session, query.filter, limit=query.limit, before_id=query.before_id, after_id=query.after_id)
    return {
        "items": [claim_row_dict(r) for r in page.rows],
        "next_cursor": encode_cursor(page.next_before),
        "prev_cursor": encode_cursor(page.prev_after, newer=True),
    }


@router.get("/articles/{article_id}", summary="One article: extracted text and its claims")
def api_article(article_id: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    view = article_with_claims(session, article_id)
    if view is None:
        raise HTTPException(status_code=404, detail=f"article {article_id} not found")
    return article_dict(view)


@router.get("/sources", summary="Sources: status, last check, last error, articles, next check")
def api_sources(session: Session = Depends(get_session)) -> dict[str, Any]:
    """Each source with its `track_record`: claims made, first in their cluster, later stated by at least
    two other sources (`confirmed`), contradicted."""
    return {"items": sources_with_track_records(session)}


@router.get("/alerts", summary="Alerts newest first, with counts per state")
def api_alerts(
    state: str | None = Query(
        None, description="pending, sent, failed, unknown (sent, no answer in time), dead or cancelled"
    ),
    limit: int = Query(100, ge=1, le=500),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    if state and state not in LISTED_ALERT_STATES:
        raise HTTPException(
            status_code=400, detail=f"state {state!r} is not known; use one of {', '.join(LISTED_ALERT_STATES)}"
        )
    try:
        before = decode_cursor(cursor)
    except FilterError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    rows, next_before = list_alerts(session, state=state, limit=limit, before_id=before)
    return {
        "counts": alert_counts(session),
        "items": [alert_dict(a) for a in rows],
        "next_cursor": encode_cursor(next_before),
    }


@router.get("/entities/{entity}/daily", summary="Claims per UTC day and stance naming one entity")
def api_entity_daily(
    entity: str, days: int = Query(90, ge=1, le=730), session: Session = Depends(get_session)
) -> dict[str, Any]:
    since = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
    counts = entity_daily_counts(session, entity, since)
    return {
        "entity": entity,
        "days": [{"day": c.day.isoformat(), "stance": c.stance, "count": c.count} for c in counts],
    }
