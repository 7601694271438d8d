"""Small HTTP servers on 127.0.0.1 for the demo (and the tests): the sample site and an alert receiver."""

from __future__ import annotations

import contextlib
import html
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

import yaml

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 and a free port; `handle` answers every request."""

    def __init__(self, handle: Route) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                status, headers, body = outer.handle(self)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The client may hang up (a size limit or timeout doing its job): nothing to report.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:  # keep the demo output readable
                pass

        self.handle = handle
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class SampleArticle:
    slug: str
    title: str
    paragraphs: list[str]
    encoding: str
    published: datetime


def load_sample_articles() -> list[SampleArticle]:
    """The bundled articles (seeds plus our en/ja samples); the first line of each file is its title."""
    site = resources.files("chipwatch.cli") / "samples" / "site"
    index = yaml.safe_load((site / "index.yaml").read_text(encoding="utf-8"))
    out = []
    for item in index["articles"]:
        lines = [ln.strip() for ln in (site / item["file"]).read_text(encoding="utf-8").splitlines()]
        lines = [ln for ln in lines if ln]
        out.append(
            SampleArticle(
                slug=item["file"].removesuffix(".txt"),
                title=lines[0],
                paragraphs=lines[1:],
                encoding=item["encoding"],
                published=datetime.fromisoformat(item["published"]),
            )
        )
    return out


def sample_site(articles: list[SampleArticle]) -> LoopbackServer:
    """A site with /feed.xml (RSS 2.0) and one HTML page per article, each in its own encoding."""
    pages = {f"/articles/{a.slug}.html": a for a in articles}

    def handle(req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        path = req.path.split("?")[0]
        if path == "/feed.xml":
            body = render_feed(server.url, articles).encode("utf-8")
            return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body
        article = pages.get(path)
        if article is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return 200, {"Content-Type": f"text/html; charset={article.encoding}"}, render_page(article)

    server = LoopbackServer(handle)
    return server


def render_feed(base: str, articles: list[SampleArticle]) -> str:
    items = "".join(
        f"<item><title>{html.escape(a.title)}</title><link>{base}/articles/{a.slug}.html</link>"
        f'<guid isPermaLink="false">chipwatch-demo/{a.slug}</guid>'
        f"<pubDate>{format_datetime(a.published)}</pubDate>"
        f"<description>{html.escape(a.paragraphs[0][:200]) if a.paragraphs else ''}</description></item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>chipwatch demo</title><link>{base}/</link><description>Sample commentary</description>"
        f"{items}</channel></rss>"
    )


def render_page(article: SampleArticle) -> bytes:
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    doc = (
        f'<!doctype html><html><head><meta charset="{article.encoding}">'
        f"<title>{html.escape(article.title)}</title>"
        f'<meta property="article:published_time" content="{article.published.isoformat()}"></head>'
        f"<body><nav>Home | Markets | Tech</nav><article><h1>{html.escape(article.title)}</h1>{paras}</article>"
        "<footer>© demo site</footer></body></html>"
    )
    return doc.encode(article.encoding, errors="xmlcharrefreplace")


@dataclass
class Receiver:
    """Collects what apprise's json:// posts; `fail` makes it answer 500 (for tests)."""

    received: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        if self.fail:
            return 500, {"Content-Type": "text/plain"}, b"receiver told to fail"
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"raw": raw.decode("utf-8", "replace")}
        with self.lock:
            self.received.append(payload)
        return 200, {"Content-Type": "application/json"}, b'{"ok": true}'


def alert_receiver() -> tuple[LoopbackServer, Receiver]:
    receiver = Receiver()
    return LoopbackServer(receiver.handle), receiver
