"""The FastAPI application: pages, JSON API, feeds and health, over one Database."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from chipwatch.dashboard.pickers import PickerCache
from chipwatch.dashboard.security import CsrfGuard, token_middleware
from chipwatch.storage.db import Database

STATIC = Path(__file__).parent / "static"


def create_app(db: Database, *, token: str | None = None, page_size: int = 50, picker_ttl: float = 60.0) -> FastAPI:
    """Build the app. `token`: when set, every page and API call must present it (see security.py).
    `picker_ttl`: seconds the filter form's entity/topic/source choices are cached."""
    from chipwatch.dashboard import api, feeds, pages

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
    app.state.csrf = CsrfGuard()
    app.state.pickers = PickerCache(ttl=picker_ttl)
    app.middleware("http")(token_middleware(token))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    return app
