"""One source's page: its state (status, last and next poll) and its poll history (time, duration, HTTP status,
entries listed, new articles, error), newest first."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chipwatch.dashboard.deps import get_session
from chipwatch.dashboard.pages import render_page
from chipwatch.dashboard.serialize import source_dict
from chipwatch.storage.source_polls import recent_polls
from chipwatch.storage.sources import source_by_name_or_none, source_summaries

router = APIRouter(include_in_schema=False)
HISTORY_ROWS = 100


@router.get("/sources/{name:path}", response_class=HTMLResponse)
def source_page(request: Request, name: str, session: Session = Depends(get_session)) -> HTMLResponse:
    row = source_by_name_or_none(session, name)
    if row is None:
        return render_page(request, "error.html", status=404, message=f"source {name!r} not found")
    summary = next(s for s in source_summaries(session) if s["name"] == name)
    polls = recent_polls(session, row.id, HISTORY_ROWS)
    return render_page(request, "source.html", source=source_dict(summary), polls=polls)
