"""A real local Prefect stack for the flow tests, started once per session on loopback.

The stack is the one `chipwatch stack up` starts: a Prefect server on a throwaway PostgreSQL
database, the process work pool, every deployment of prefect.yaml, and two workers. The config
the deployments use points at a throwaway application database, a loopback site and receiver.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import psycopg
import pytest

from chipwatch.cli.loopback import LoopbackServer, Receiver

PG_ADMIN = os.environ.get("CHIPWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

Response = tuple[int, dict[str, str], bytes]


@dataclass
class Pages:
    """A loopback site whose pages a test sets; thread-safe, since workers fetch concurrently."""

    routes: dict[str, Response | Callable[[BaseHTTPRequestHandler], Response]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, req: BaseHTTPRequestHandler) -> Response:
        with self.lock:
            route = self.routes.get(req.path.split("?")[0])
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return route(req) if callable(route) else route


@dataclass
class Stack:
    api_url: str
    config: Path
    app_db: str
    site_url: str
    pages: Pages
    receiver: Receiver
    home: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _create_db(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_db(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from chipwatch.cli.stack_cmd import start_stack, stop_stack

    tag = uuid.uuid4().hex[:10]
    app_name, prefect_name = f"chipwatch_test_app_{tag}", f"chipwatch_test_prefect_{tag}"
    base = PG_ADMIN.rsplit("/", 1)[0]
    home = tmp_path_factory.mktemp("stack")
    pages, receiver = Pages(), Receiver()
    site, inbox = LoopbackServer(pages.handle), LoopbackServer(receiver.handle)
    _create_db(app_name)
    app_db = f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{app_name}"
    config = home / "chipwatch.yaml"
    config.write_text(
        f"database: {app_db}\n"
        "sources:\n"
        f"  - {{name: loop-feed, kind: feed, url: '{site.url}/feed.xml', every: 1h}}\n"
        "alerts:\n"
        f"  - {{name: notable, min_score: 0.5, notify: ['json://{inbox.url.removeprefix('http://')}/hook']}}\n"
        "http: {allow_private_networks: true}\n",
        encoding="utf-8",
    )
    try:
        with site, inbox:
            prefect_db = f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{prefect_name}"
            state = start_stack(
                str(config), workers=2, home=home, port=_free_port(), prefect_db=prefect_db, web_port=_free_port()
            )
            try:
                yield Stack(state.api_url, config, app_db, site.url, pages, receiver, home)
            finally:
                stop_stack(home)
    finally:
        _drop_db(prefect_name)
        _drop_db(app_name)
