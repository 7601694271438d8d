"""Atom feed, CSV export and the health probe."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.orm import Session

from chipwatch.dashboard.atom import claims_feed
from chipwatch.dashboard.csv_export import csv_lines
from chipwatch.dashboard.deps import claim_query, get_session
from chipwatch.dashboard.feed_keys import KEY_PARAM
from chipwatch.dashboard.params import ClaimQuery
from chipwatch.storage.queries import database_answers, iter_claims, list_claims

router = APIRouter()


@router.get("/feeds/claims.atom", summary="Atom feed of notable claims (same filters as /api/claims)", tags=["feeds"])
def atom_feed(
    request: Request, query: ClaimQuery = Depends(claim_query), session: Session = Depends(get_session)
) -> Response:
    flt = replace(query.filter, notable=True)
    rows = list_claims(session, flt, limit=query.limit).rows
    described = ", ".join(f"{k}={v}" for k, v in query.raw.items() if k not in ("limit", "cursor"))
    body = claims_feed(
        rows,
        title="chipwatch: notable claims" + (f" ({described})" if described else ""),
        self_url=_without_secrets(request),
        site_url=str(request.base_url),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _without_secrets(request: Request) -> str:
    """The feed's own URL for its rel=self link, minus the key or token it was fetched with."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in (KEY_PARAM, "token")]
    return str(request.url.replace(query=urlencode(kept)))


@router.get("/export/claims.csv", summary="Every claim matching the filters, as CSV", tags=["feeds"])
def claims_csv(request: Request, query: ClaimQuery = Depends(claim_query)) -> StreamingResponse:
    db = request.app.state.db

    def lines() -> Iterator[str]:
        # Its own session: the response streams after the request's dependencies have closed.
        with db.session() as session:
            yield from csv_lines(iter_claims(session, query.filter))

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="chipwatch-claims.csv"'},
    )


@router.get("/healthz", summary="200 when the database answers, 503 otherwise", tags=["health"])
def healthz(request: Request) -> JSONResponse:
    try:
        with request.app.state.db.session() as session:
            ok = database_answers(session)
    except Exception:  # any failure to reach the database is the answer, not an error page
        ok = False
    if ok:
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
