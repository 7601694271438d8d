"""Server-rendered HTML pages (Jinja2, autoescaped). No script runs in them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from chipwatch.dashboard.charts import daily_stance_chart
from chipwatch.dashboard.deps import get_session
from chipwatch.dashboard.feed_keys import KEY_PARAM
from chipwatch.dashboard.highlight import segments
from chipwatch.dashboard.links import safe_href, same_site_path
from chipwatch.dashboard.params import FilterError, claim_params, decode_cursor, encode_cursor, parse_claim_query
from chipwatch.dashboard.serialize import sources_with_track_records
from chipwatch.dashboard.timefilters import ago
from chipwatch.redact import mask_url
from chipwatch.storage.queries import (
    LISTED_ALERT_STATES,
    STANCES,
    alert_counts,
    alert_state,
    article_with_claims,
    entity_daily_counts,
    list_alerts,
    list_claims,
    notable_claims_with_numbers,
)
from chipwatch.storage.requeue import requeue

router = APIRouter(include_in_schema=False)

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["safe_href"] = safe_href
_env.filters["mask_url"] = mask_url


def _number(value: object) -> str:
    """600000000000 -> 600,000,000,000; 0.0222 stays; non-numbers pass through."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) >= 1000 else f"{value:g}"


_env.filters["when"] = ago  # relative, absolute on hover, in the configured time zone
_env.filters["ago"] = ago
_env.filters["number"] = _number


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(name).render(request=request, csrf=request.app.state.csrf.token, **context)
    return HTMLResponse(html, status_code=status)


render_page = _render  # for the pages defined in modules of their own (overview, source)


def _link(path: str, params: dict[str, str]) -> str:
    return path + ("?" + urlencode(params) if params else "")


def _feed_link(request: Request, path: str, params: dict[str, str]) -> str:
    """A feed's link; with a token set it carries the feed's read-only key, so it can be copied into a reader."""
    keys = request.app.state.feed_keys
    key = keys.key_for(path) if keys is not None else None
    return _link(path, {**params, KEY_PARAM: key} if key else params)


@router.get("/claims", response_class=HTMLResponse)
def claims_page(
    request: Request, raw: dict[str, str] = Depends(claim_params), session: Session = Depends(get_session)
) -> HTMLResponse:
    filters = {k: v for k, v in raw.items() if k != "cursor"}
    choices = request.app.state.pickers.get(session)
    context: dict[str, Any] = dict(
        filters=filters,
        stances=STANCES,
        entities=choices.entities,
        topics=choices.topics,
        sources=choices.sources,
        rows=[],
        next_link=None,
        prev_link=None,
        error=None,
        csv_link=_feed_link(request, "/export/claims.csv", {k: v for k, v in filters.items() if k != "limit"}),
        atom_link=_feed_link(request, "/feeds/claims.atom", {k: v for k, v in filters.items() if k != "limit"}),
        first_link=_link("/claims", filters) if "cursor" in raw else None,
    )
    try:
        query = parse_claim_query(raw, default_limit=request.app.state.page_size)
    except FilterError as exc:
        context["error"] = str(exc)
        return _render(request, "claims.html", status=400, **context)
    page = list_claims(session, query.filter, limit=query.limit, before_id=query.before_id, after_id=query.after_id)
    context["rows"] = page.rows
    if page.next_before is not None:
        context["next_link"] = _link("/claims", {**filters, "cursor": encode_cursor(page.next_before) or ""})
    if page.prev_after is not None:
        context["prev_link"] = _link("/claims", {**filters, "cursor": encode_cursor(page.prev_after, newer=True) or ""})
    else:
        context["first_link"] = None  # already the newest page
    return _render(request, "claims.html", **context)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: int, session: Session = Depends(get_session)) -> HTMLResponse:
    view = article_with_claims(session, article_id)
    if view is None:
        return _render(request, "error.html", status=404, message=f"article {article_id} not found")
    parts = segments(view.article.text or "", view.current)  # withdrawn sentences are not in the text
    return _render(request, "article.html", view=view, parts=parts, claims={c.id: c for c in view.claims})


@router.get("/entities/{entity}", response_class=HTMLResponse)
def entity_page(request: Request, entity: str, days: int = 60, session: Session = Depends(get_session)) -> HTMLResponse:
    days = max(1, min(days, 730))
    today = datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    chart = daily_stance_chart(entity_daily_counts(session, entity, since), first, today)
    numbers = notable_claims_with_numbers(session, entity)
    return _render(request, "entity.html", entity=entity, days=days, chart=chart, numbers=numbers)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, session: Session = Depends(get_session)) -> HTMLResponse:
    return _render(request, "sources.html", sources=sources_with_track_records(session))


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, state: str | None = None, cursor: str | None = None, session: Session = Depends(get_session)
) -> HTMLResponse:
    state = state if state in LISTED_ALERT_STATES else None
    try:
        before = decode_cursor(cursor)
    except FilterError:
        before = None
    rows, next_before = list_alerts(session, state=state, limit=100, before_id=before)
    next_params = {"state": state} if state else {}
    next_link = _link("/alerts", {**next_params, "cursor": encode_cursor(next_before) or ""}) if next_before else None
    return _render(
        request,
        "alerts.html",
        alerts=rows,
        counts=alert_counts(session),
        state=state,
        states=LISTED_ALERT_STATES,
        next_link=next_link,
        message=request.query_params.get("done"),
    )


@router.post("/alerts/{alert_id}/retry", response_model=None)
async def retry_alert(request: Request, alert_id: int) -> Response:
    """The only write: a failed or dead alert back to pending. Form POST with the CSRF token."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    refused = request.app.state.csrf.check(request, (form.get("csrf") or [None])[0])
    if refused:
        return _render(request, "error.html", status=403, message=refused)
    with request.app.state.db.session() as session, session.begin():
        state = alert_state(session, alert_id)
        done = requeue(session, [alert_id]) if state is not None else []
    if state is None:
        return _render(request, "error.html", status=404, message=f"alert {alert_id} not found")
    if not done:
        return _render(
            request,
            "error.html",
            status=409,
            message=f"alert {alert_id} is {state}, not failed or dead; nothing to retry",
        )
    return RedirectResponse(same_site_path("/alerts", [("done", str(alert_id))]), status_code=303)
