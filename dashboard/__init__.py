"""Read-only web app over storage: dashboard pages, JSON API, Atom feed and CSV export.

`create_app(db)` builds the FastAPI app; `chipwatch serve` runs it under uvicorn.
"""

from chipwatch.dashboard.app import create_app

__all__ = ["create_app"]
