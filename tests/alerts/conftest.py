"""Alert fixtures: stored claims, a json:// receiver that can fail, stall or recover, an SMTP receiver.

Every peer is on 127.0.0.1. Test URLs carry `cto=1&rto=...` so a silent receiver costs a second, not four.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chipwatch.cli.loopback import LoopbackServer
from chipwatch.storage.claims import add_claims
from chipwatch.storage.db import Database
from chipwatch.storage.models import Article, Source


def claim(text: str, **overrides: Any) -> dict[str, Any]:
    """A claim in the `analyze --json` shape, notable unless told otherwise."""
    base = {
        "text": text,
        "entities": ["NVIDIA"],
        "topics": ["market"],
        "stance": "bearish",
        "quantities": [],
        "score": 0.8,
        "notable": True,
        "why": ["entity NVIDIA"],
    }
    return {**base, **overrides}


def store_claims(
    db: Database,
    claims: list[dict[str, Any]],
    *,
    language: str = "en",
    source: str = "wire",
    slug: str = "a1",
    one_article: bool = False,
) -> list[int]:
    """Store `claims`, each in an article of its own (one alert message each), or all in one article with
    `one_article=True` (one message listing them); returns the claim ids."""
    if not one_article and len(claims) > 1:
        return [
            i
            for n, c in enumerate(claims)
            for i in store_claims(db, [c], language=language, source=source, slug=f"{slug}-{n}", one_article=True)
        ]
    with db.session() as session, session.begin():
        src = session.query(Source).filter_by(name=source).one_or_none()
        if src is None:
            src = Source(name=source, kind="feed", url="http://127.0.0.1:9/feed.xml", state={})
            session.add(src)
            session.flush()
        url = f"http://127.0.0.1:9/{source}/{slug}.html"
        art = Article(source_id=src.id, url=url, canonical_url=url, title=f"Article {slug}", status="processed")
        session.add(art)
        session.flush()
        return add_claims(session, art.id, url, language, claims)


@dataclass
class ControlledReceiver:
    """An apprise json:// target whose behaviour a test switches: `ok`, `fail` (HTTP 500) or `stall`
    (the request is read and recorded as arrived, then the answer waits until `release()`)."""

    mode: str = "ok"
    received: list[dict[str, Any]] = field(default_factory=list)  # answered 200: delivered
    arrived: list[dict[str, Any]] = field(default_factory=list)  # every request that reached us, stalled ones too
    lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def handle(self, req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        length = int(req.headers.get("Content-Length") or 0)
        payload = json.loads(req.rfile.read(length) or b"{}")
        with self.lock:
            self.arrived.append(payload)
            mode = self.mode
        if mode == "stall":
            # The sender gives up (timeout) or is killed meanwhile: whatever we answer later is not a delivery.
            self.released.wait(60)
            return 503, {"Content-Type": "text/plain"}, b"stalled"
        if mode == "fail":
            return 500, {"Content-Type": "text/plain"}, b"told to fail"
        with self.lock:
            self.received.append(payload)
        return 200, {"Content-Type": "application/json"}, b'{"ok": true}'

    def release(self) -> None:
        self.released.set()

    def target(self, rto: int = 1) -> str:
        return f"{self.url}?cto=1&rto={rto}"

    def ids(self) -> list[str]:
        with self.lock:
            return [p.get("alert_id", "") for p in self.received]

    def arrived_ids(self) -> list[str]:
        with self.lock:
            return [p.get("alert_id", "") for p in self.arrived]


class PortServer:
    """An HTTP server for a receiver on a chosen loopback port, so a test can bring a target down and up."""

    def __init__(self, handle: Any, port: int = 0) -> None:
        outer = handle

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, headers, body = outer(self)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[ControlledReceiver]:
    rec = ControlledReceiver()
    server = LoopbackServer(rec.handle)
    rec.url = f"json://{server.url.removeprefix('http://')}/hook"
    with server:
        yield rec
        rec.release()


@pytest.fixture
def down_hook() -> Iterator[tuple[ControlledReceiver, Any]]:
    """A receiver whose port refuses connections until the test calls `up()`."""
    rec = ControlledReceiver()
    port = free_port()
    rec.url = f"json://127.0.0.1:{port}/hook"
    servers: list[PortServer] = []

    def up() -> None:
        servers.append(PortServer(rec.handle, port))

    yield rec, up
    rec.release()
    for server in servers:
        server.stop()


@dataclass
class SmtpInbox:
    port: int
    messages: list[Any] = field(default_factory=list)

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?to=a@example.com&from=b@example.com&mode=insecure"


@pytest.fixture
def smtp() -> Iterator[SmtpInbox]:
    """An aiosmtpd server on loopback that keeps every message it is handed."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    inbox = SmtpInbox(port=free_port())

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            inbox.messages.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released): connections to it are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def store() -> Any:
    """store(db, [claim(...), ...], language=..., source=..., slug=..., one_article=...) -> claim ids."""
    return store_claims


@pytest.fixture
def make_claim() -> Any:
    """make_claim(text, **overrides) -> a claim dict in the analyze --json shape."""
    return claim


@pytest.fixture
def closed_port() -> int:
    return free_port()
