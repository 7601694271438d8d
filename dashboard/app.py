"""The FastAPI application: pages, JSON API, feeds and health, over one Database."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles

from chipwatch.dashboard.errors import nul_check, validation_error
from chipwatch.dashboard.feed_keys import FeedKeys
from chipwatch.dashboard.host_guard import host_check
from chipwatch.dashboard.pickers import PickerCache
from chipwatch.dashboard.security import Check, CsrfGuard, guard_middleware, token_check
from chipwatch.storage.db import Database

STATIC = Path(__file__).parent / "static"


def create_app(
    db: Database,
    *,
    token: str | None = None,
    page_size: int = 50,
    picker_ttl: float = 60.0,
    allowed_hosts: Collection[str] | None = None,
    push: object | None = None,
    timezone: str = "UTC",
) -> FastAPI:
    """Build the app. `token`: when set, every page and API call must present it (see security.py), and each
    feed also opens with its own read-only key (feed_keys.py). `allowed_hosts`: when set, the only Host
    header values answered (`chipwatch serve` on loopback passes its own names: host_guard.py).
    `picker_ttl`: seconds the filter form's entity/topic/source choices are cached. `push`: the WebSub
    receiver that answers /websub/ (dashboard/websub.py); None: push is off. `timezone`: the readers'
    (absolute times on the pages are shown in it)."""
    from chipwatch.dashboard import api, cluster_api, cluster_pages, feeds, overview, pages, source_page, websub

    # Swagger UI and ReDoc load their scripts from a CDN: off, as nothing may come from the internet.
    app = FastAPI(
        title="chipwatch",
        summary="Notable claims about AI chips: dashboard, JSON API and Atom feed (read-only).",
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = db
    app.state.page_size = page_size
    app.state.timezone = timezone
    app.state.csrf = CsrfGuard()
    app.state.pickers = PickerCache(ttl=picker_ttl)
    app.state.feed_keys = None
    app.state.push = push
    checks: list[Check] = []  # in this order: a rebinding page learns nothing, not even "token required"
    if allowed_hosts is not None:
        checks.append(host_check(frozenset(h.lower() for h in allowed_hosts)))
    if token is not None:
        app.state.feed_keys = FeedKeys(token)
        checks.append(token_check(token, app.state.feed_keys))
    checks.append(nul_check)
    app.middleware("http")(guard_middleware(checks))
    app.add_exception_handler(RequestValidationError, validation_error)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(source_page.router)
    app.include_router(overview.router)
    app.include_router(pages.router)
    app.include_router(websub.router)
    app.include_router(cluster_api.router)
    app.include_router(cluster_pages.router)
    return app
