"""Pages of claim clusters: one line per fact (expandable), contradictions, an entity's timeline chart."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chipwatch.dashboard.cluster_api import parse_flag
from chipwatch.dashboard.deps import get_session
from chipwatch.dashboard.pages import _link, _render
from chipwatch.dashboard.params import FilterError, decode_cursor, encode_cursor, parse_time
from chipwatch.dashboard.timeline_chart import timeline_chart
from chipwatch.storage.cluster_queries import ClusterFilter, list_clusters, list_contradictions, timeline

router = APIRouter(include_in_schema=False)
PAGE = 50


def _text(request: Request, name: str) -> str | None:
    return (request.query_params.get(name) or "").strip()[:200] or None


@router.get("/clusters", response_class=HTMLResponse)
def clusters_page(request: Request, session: Session = Depends(get_session)) -> HTMLResponse:
    filters = {k: v for k in ("entity", "metric", "since", "contradictions") if (v := _text(request, k))}
    try:
        flt = ClusterFilter(
            entity=filters.get("entity"),
            metric=filters.get("metric"),
            since=parse_time("since", filters.get("since")),
            contradictions=parse_flag("contradictions", filters.get("contradictions")),
        )
        before = decode_cursor(_text(request, "cursor"))
    except FilterError as exc:
        return _render(request, "clusters.html", status=400, rows=[], filters=filters, error=str(exc), next_link=None)
    page = list_clusters(session, flt, limit=PAGE, before_id=before, members=10)
    next_link = (
        _link("/clusters", {**filters, "cursor": encode_cursor(page.next_before) or ""}) if page.next_before else None
    )
    return _render(request, "clusters.html", rows=page.rows, filters=filters, error=None, next_link=next_link)


@router.get("/contradictions", response_class=HTMLResponse)
def contradictions_page(request: Request, session: Session = Depends(get_session)) -> HTMLResponse:
    entity = _text(request, "entity")
    try:
        before = decode_cursor(_text(request, "cursor"))
    except FilterError:
        before = None
    rows, next_before = list_contradictions(session, entity=entity, limit=PAGE, before_id=before)
    params = {"entity": entity} if entity else {}
    next_link = (
        _link("/contradictions", {**params, "cursor": encode_cursor(next_before) or ""}) if next_before else None
    )
    return _render(request, "contradictions.html", rows=rows, entity=entity, next_link=next_link)


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, session: Session = Depends(get_session)) -> HTMLResponse:
    entity, metric = _text(request, "entity"), _text(request, "metric")
    points = timeline(session, entity, metric) if entity else []
    chart = timeline_chart(points)
    return _render(request, "timeline.html", entity=entity, metric=metric, points=points, chart=chart)
