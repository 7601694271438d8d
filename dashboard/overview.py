"""The overview, the home page (`/`): what happened at a glance. Notable claims in the last 24 h and 7 days, per
entity with a 30-day sparkline, the newest notable claims, the health of every source, and alerts in the last 24 h."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chipwatch.dashboard.deps import get_session
from chipwatch.dashboard.pages import claims_page, render_page
from chipwatch.dashboard.params import claim_params
from chipwatch.dashboard.serialize import source_dict
from chipwatch.dashboard.sparkline import sparkline
from chipwatch.storage.overview import alerts_since, notable_per_day, notable_total, top_entities
from chipwatch.storage.queries import ClaimFilter, list_claims
from chipwatch.storage.sources import source_summaries

router = APIRouter(include_in_schema=False)
TREND_DAYS = 30
NEWEST = 8
# A source's stored status, in the words of the overview.
HEALTH = {"ok": "ok", "error": "failing", "backoff": "backing off", "disabled": "disabled"}


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, raw: dict[str, str] = Depends(claim_params), session: Session = Depends(get_session)
) -> HTMLResponse:
    """The overview; with claim filters in the query (links and bookmarks from before the overview, the filter
    form) the claims list, as `/` used to be."""
    if request.query_params:
        return claims_page(request, raw, session)
    return overview_page(request, session)


@router.get("/overview", response_class=HTMLResponse)
def overview_page(request: Request, session: Session = Depends(get_session)) -> HTMLResponse:
    now = datetime.now(UTC)
    day, week = now - timedelta(days=1), now - timedelta(days=7)
    entities = top_entities(session, day, week)
    first = datetime.combine(now.date() - timedelta(days=TREND_DAYS - 1), datetime.min.time(), tzinfo=UTC)
    daily = notable_per_day(session, [e.entity for e in entities], first)
    trends = {e.entity: sparkline(daily.get(e.entity, {}), now.date(), TREND_DAYS) for e in entities}
    sources = [source_dict(s) for s in source_summaries(session)]
    for s in sources:
        s["health"] = HEALTH.get(s["status"], s["status"])
    return render_page(
        request,
        "overview.html",
        notable_day=notable_total(session, day),
        notable_week=notable_total(session, week),
        entities=entities,
        trends=trends,
        newest=list_claims(session, ClaimFilter(notable=True), limit=NEWEST).rows,
        sources=sources,
        alerts=alerts_since(session, day),
    )
