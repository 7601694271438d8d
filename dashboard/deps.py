"""Request-scoped helpers shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from chipwatch.dashboard.params import ClaimQuery, FilterError, claim_params, parse_claim_query


def get_session(request: Request) -> Iterator[Session]:
    """One read session per request, closed afterwards (nothing is committed: read-only)."""
    with request.app.state.db.session() as session:
        yield session


def claim_query(request: Request, raw: dict[str, str] = Depends(claim_params)) -> ClaimQuery:
    """Parsed claim filters for the API; a bad parameter is a 400 naming it."""
    try:
        return parse_claim_query(raw, default_limit=request.app.state.page_size)
    except FilterError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
