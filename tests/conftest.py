"""Shared fixtures: databases (SQLite and the local PostgreSQL), loopback HTTP servers, receivers.

Every network peer here is on 127.0.0.1; no test reaches any other address.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from chipwatch.cli.loopback import LoopbackServer, Receiver, load_sample_articles, render_feed, render_page
from chipwatch.storage.db import Database, open_database
from chipwatch.storage.models import Base

PG_ADMIN = os.environ.get("CHIPWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SEEDS = Path(__file__).resolve().parent.parent / "cli" / "samples" / "site"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run, dropped at the end."""
    name = f"chipwatch_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database: a fresh SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        database = open_database(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        database = open_database(request.getfixturevalue("pg_url"))
        with database.engine.begin() as conn:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'test.db'}")
    yield database
    database.dispose()


Response = tuple[int, dict[str, str], bytes]


class Site:
    """A loopback web server whose answers a test sets per path; it counts requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Response | Callable[[BaseHTTPRequestHandler], Response]] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.server = LoopbackServer(self._handle)
        self.url = self.server.url

    def _handle(self, req: BaseHTTPRequestHandler) -> Response:
        path = req.path
        self.hits[path] = self.hits.get(path, 0) + 1
        self.requests.append((path, {k.lower(): v for k, v in req.headers.items()}))
        route = self.routes.get(path) or self.routes.get(path.split("?")[0])
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return route(req) if callable(route) else route


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    with s.server:
        yield s


@pytest.fixture
def sample_site(site: Site) -> Site:
    """The demo's sample site on the `site` server: /feed.xml and one page per bundled article."""
    articles = load_sample_articles()
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, render_feed(site.url, articles).encode())
    for a in articles:
        site.routes[f"/articles/{a.slug}.html"] = (
            200,
            {"Content-Type": f"text/html; charset={a.encoding}"},
            render_page(a),
        )
    return site


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    """An apprise json:// target on loopback: (notification URL, what it received)."""
    rec = Receiver()
    server = LoopbackServer(rec.handle)
    with server:
        yield f"json://{server.url.removeprefix('http://')}/hook", rec
