"""Nothing listed is lost (issue 15): an entry whose page cannot be fetched is stored with the listing's
text at once, analysed on it, and its page retried until it comes (then refreshed, one alert per claim)
or given up; a source's validators are saved only with the entries they cover."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from chipwatch.config import settings_from_dict
from chipwatch.pipeline.cycle import http_client, page_retry_policy, run_cycle
from chipwatch.pipeline.poll import poll_source
from chipwatch.storage.db import Database, open_database
from chipwatch.storage.export import export_rows
from chipwatch.storage.models import Alert, Article, Claim, Source
from chipwatch.storage.sources import source_summaries
from chipwatch.storage.types import utcnow

NVIDIA = "NVIDIA shares plunged 17% on Monday, wiping out nearly $600 billion of market value in a single day."
TSMC = "TSMC said its advanced packaging capacity for AI accelerators will double next year."


def _page(*sentences: str) -> bytes:
    paras = "".join(f"<p>{s}</p>" for s in sentences)
    return (
        "<html><head><meta charset='utf-8'><title>AI chip week</title></head>"
        f"<body><article><h1>AI chip week</h1>{paras}</article></body></html>"
    ).encode()


def _rss(*items: tuple[str, str, str]) -> bytes:
    """(guid, link, description) items of an RSS feed titled like the page."""
    body = "".join(
        f"<item><title>AI chip week</title><link>{link}</link><guid>{guid}</guid>"
        f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
        for guid, link, text in items
    )
    return f'<rss version="2.0"><channel><title>t</title>{body}</channel></rss>'.encode()


def _settings(feed_url: str, alerts: list[dict[str, Any]] | None = None, **http: Any) -> Any:
    return settings_from_dict(
        {
            "sources": [{"name": "chips", "kind": "feed", "url": feed_url}],
            "alerts": alerts or [],
            "http": {"allow_private_networks": True, "page_retry": "0s", **http},
        }
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PageHost:
    """An article host on a fixed loopback port that is down (nothing listens) until `start`."""

    def __init__(self, body: bytes) -> None:
        self.port, self.body, self.hits = _free_port(), body, 0
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(host.body)))
                self.end_headers()
                self.wfile.write(host.body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def page_host() -> Iterator[PageHost]:
    host = PageHost(_page(NVIDIA, TSMC))
    yield host
    host.stop()


def _article(db: Database) -> Article:
    with db.session() as s:
        (article,) = s.scalars(select(Article)).all()
        return article


def test_entry_is_stored_from_the_feed_while_its_host_is_down_and_refreshed_once_it_is_back(
    db: Database, site: Any, page_host: PageHost, receiver: Any
) -> None:
    target, rec = receiver
    site.routes["/feed.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        _rss(("chips-1", f"{page_host.url}/news/chips.html", NVIDIA)),
    )
    settings = _settings(
        f"{site.url}/feed.xml", alerts=[{"name": "big", "min_score": 0.5, "entities": ["NVIDIA"], "notify": [target]}]
    )

    first = run_cycle(db, settings)
    assert first.polls[0].pages_pending == 1 and len(first.polls[0].new_article_ids) == 1
    stored = _article(db)
    assert stored.fetch_state == "pending" and stored.fetch_attempts == 1 and "cannot fetch" in stored.fetch_error
    assert stored.status == "processed" and NVIDIA in (stored.text or "")  # analysed on the feed's text
    assert [m["message"] for m in rec.received if NVIDIA in m["message"]] and len(rec.received) == 1

    page_host.start()
    second = run_cycle(db, settings)
    assert second.polls[0].pages_fetched == 1 and page_host.hits == 1
    refreshed = _article(db)
    assert refreshed.id == stored.id and refreshed.fetch_state == "fetched" and refreshed.fetch_error is None
    assert TSMC in (refreshed.text or "") and refreshed.status == "processed"
    with db.session() as s:
        claims = {c.text: c for c in s.scalars(select(Claim))}
        alerts = s.scalars(select(Alert)).all()
    assert NVIDIA in claims and TSMC in claims and claims[NVIDIA].withdrawn_at is None
    assert len(alerts) == 1 and len(rec.received) == 1  # the unchanged claim is not alerted again

    third = run_cycle(db, settings)
    assert third.polls[0].pages_fetched == 0 and page_host.hits == 1  # fetched pages are not retried


def test_a_304_after_a_partial_failure_keeps_the_entry_and_retries_its_page(db: Database, site: Any) -> None:
    feed = _rss(("ok", f"{site.url}/a/ok", TSMC), ("bad", f"{site.url}/a/bad", NVIDIA))

    def feed_route(req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if req.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, feed

    site.routes["/feed.xml"] = feed_route
    site.routes["/a/ok"] = (200, {"Content-Type": "text/html; charset=utf-8"}, _page(TSMC))
    site.routes["/a/bad"] = (500, {"Content-Type": "text/plain"}, b"down for maintenance")
    settings = _settings(f"{site.url}/feed.xml")

    first = run_cycle(db, settings)
    assert len(first.polls[0].new_article_ids) == 2 and first.polls[0].pages_pending == 1
    with db.session() as s:
        source = s.scalars(select(Source)).one()
        assert source.state.get("etag") == '"v1"'  # saved, and with it both entries
        states = {a.guid: (a.fetch_state, a.status) for a in s.scalars(select(Article))}
    assert states == {"ok": ("fetched", "processed"), "bad": ("pending", "processed")}

    site.routes["/a/bad"] = (200, {"Content-Type": "text/html; charset=utf-8"}, _page(NVIDIA, TSMC))
    second = run_cycle(db, settings)
    assert second.polls[0].not_modified and second.polls[0].pages_fetched == 1
    with db.session() as s:
        bad = s.scalars(select(Article).where(Article.guid == "bad")).one()
    assert bad.fetch_state == "fetched" and TSMC in (bad.text or "")


def test_a_page_that_always_fails_is_given_up_and_the_feed_text_stays(db: Database, site: Any) -> None:
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, _rss(("x", f"{site.url}/a/x", NVIDIA)))
    site.routes["/a/x"] = (403, {"Content-Type": "text/plain"}, b"login required")
    settings = _settings(f"{site.url}/feed.xml", page_attempts=3)

    for _ in range(3):
        run_cycle(db, settings)
    assert site.hits["/a/x"] == 3
    article = _article(db)
    assert article.fetch_state == "failed" and article.fetch_attempts == 3 and article.fetch_next_at is None
    assert "after 3 attempts" in (article.fetch_error or "") and "HTTP 403" in (article.fetch_error or "")
    assert article.status == "processed" and NVIDIA in (article.text or "")
    run_cycle(db, settings)
    assert site.hits["/a/x"] == 3  # given up: not tried again

    with db.session() as s:
        (summary,) = source_summaries(s)
        (exported,) = list(export_rows(s, "articles"))
    assert (summary["listed"], summary["stored"], summary["pages_pending"], summary["pages_failed"]) == (1, 1, 0, 1)
    assert exported["fetch_state"] == "failed" and exported["fetch_attempts"] == 3


def test_a_listing_page_link_that_fails_is_stored_pending_and_retried(db: Database, site: Any) -> None:
    links = '<a href="/news/one.html">NVIDIA earnings beat</a> <a href="/news/two.html">TSMC doubles packaging</a>'
    site.routes["/news/"] = (200, {"Content-Type": "text/html"}, f"<html><body>{links}</body></html>".encode())
    site.routes["/news/one.html"] = (200, {"Content-Type": "text/html; charset=utf-8"}, _page(NVIDIA))
    site.routes["/news/two.html"] = (502, {"Content-Type": "text/plain"}, b"bad gateway")
    settings = settings_from_dict(
        {
            "sources": [{"name": "news", "kind": "page", "url": f"{site.url}/news/", "robots": False}],
            "http": {"allow_private_networks": True, "page_retry": "0s"},
        }
    )
    first = run_cycle(db, settings)
    assert len(first.polls[0].new_article_ids) == 2 and first.polls[0].pages_pending == 1
    with db.session() as s:
        two = s.scalars(select(Article).where(Article.url.like("%two.html"))).one()
    assert (two.fetch_state, two.title) == ("pending", "TSMC doubles packaging")

    site.routes["/news/two.html"] = (200, {"Content-Type": "text/html; charset=utf-8"}, _page(TSMC))
    second = run_cycle(db, settings)
    assert second.polls[0].pages_fetched == 1
    with db.session() as s:
        two = s.scalars(select(Article).where(Article.url.like("%two.html"))).one()
    assert two.fetch_state == "fetched" and TSMC in (two.text or "")


def test_a_crash_between_fetching_a_feed_and_storing_it_lists_the_entries_again(tmp_path: Path, site: Any) -> None:
    """SIGKILL while the poll waits for an article page: the feed was fetched (with an ETag), nothing was
    stored; the next poll must not send that ETag, and stores the entries."""
    feed = _rss(("k", f"{site.url}/a/k", NVIDIA))
    page_requested, release = threading.Event(), threading.Event()

    def feed_route(req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if req.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, feed

    def hanging_page(_req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        page_requested.set()
        release.wait(60)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, _page(NVIDIA)

    site.routes["/feed.xml"] = feed_route
    site.routes["/a/k"] = hanging_page
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    config = tmp_path / "chipwatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": url,
                "sources": [{"name": "chips", "kind": "feed", "url": f"{site.url}/feed.xml"}],
                "http": {"allow_private_networks": True, "timeout": 120, "read_timeout": 120},
            }
        )
    )
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from chipwatch.cli.main import main; raise SystemExit(main())",
            "run",
            "--config",
            str(config),
            "--once",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert page_requested.wait(120), "the child never asked for the article page"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
    db = open_database(url)
    try:
        with db.session() as s:
            assert s.scalars(select(Article)).all() == []
            assert not (s.scalars(select(Source)).one().state or {}).get("etag")  # no validator without its entries
        site.routes["/a/k"] = (200, {"Content-Type": "text/html; charset=utf-8"}, _page(NVIDIA))
        feed_requests = len([r for r in site.requests if r[0] == "/feed.xml"])
        report = run_cycle(db, _settings(f"{site.url}/feed.xml"))
        asked = [h for p, h in site.requests[feed_requests:] if p == "/feed.xml"]
        assert asked and "if-none-match" not in asked[0]
        assert len(report.polls[0].new_article_ids) == 1 and not report.polls[0].not_modified
        assert _article(db).fetch_state == "fetched"
    finally:
        db.dispose()


def test_entries_without_a_link_are_stored_from_the_feed_text(db: Database, site: Any) -> None:
    feed = (
        '<rss version="2.0"><channel><title>t</title>'
        f"<item><title>No link here</title><guid isPermaLink='false'>n-1</guid><description>{NVIDIA}</description></item>"
        f"<item><description>{TSMC}</description></item>"
        "</channel></rss>"
    ).encode()
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, feed)
    settings = _settings(f"{site.url}/feed.xml")
    first = run_cycle(db, settings)
    second = run_cycle(db, settings)
    assert len(first.polls[0].new_article_ids) == 2 and second.polls[0].new_article_ids == []
    with db.session() as s:
        rows = {a.title: a for a in s.scalars(select(Article))}
        exported = [json.loads(json.dumps(r)) for r in export_rows(s, "articles")]
    assert set(rows) == {"No link here", None} and {a.fetch_state for a in rows.values()} == {"none"}
    assert NVIDIA in (rows["No link here"].text or "") and TSMC in (rows[None].text or "")
    assert {e["fetch_state"] for e in exported} == {"none"}


def test_a_page_pending_longer_than_the_age_limit_is_given_up(db: Database, site: Any) -> None:
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, _rss(("x", f"{site.url}/a/x", NVIDIA)))
    site.routes["/a/x"] = (503, {"Content-Type": "text/plain"}, b"busy")
    settings = _settings(f"{site.url}/feed.xml", page_give_up_after="2d")
    run_cycle(db, settings)
    assert _article(db).fetch_state == "pending"
    with http_client(settings) as client:
        later = poll_source(
            db, client, settings.sources[0], utcnow() + timedelta(days=3), force=True, pages=page_retry_policy(settings)
        )
    assert later.pages_given_up == 1
    article = _article(db)
    assert article.fetch_state == "failed" and "after 2 attempts over 3.0 days" in (article.fetch_error or "")


def test_a_directory_file_that_cannot_be_parsed_is_recorded(db: Database, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "broken.eml").write_bytes(b"Subject: hi\r\nContent-Type: image/png\r\n\r\n\x89PNG")
    (inbox / "note.txt").write_text(NVIDIA, encoding="utf-8")
    settings = settings_from_dict({"sources": [{"name": "drop", "kind": "directory", "path": str(inbox)}]})
    run_cycle(db, settings)
    with db.session() as s:
        rows = {Path(a.url).name: a for a in s.scalars(select(Article))}
        (summary,) = source_summaries(s)
    assert rows["broken.eml"].status == "error" and "broken.eml" in (rows["broken.eml"].error or "")
    assert rows["note.txt"].status == "processed" and (summary["listed"], summary["stored"]) == (2, 2)
    again = run_cycle(db, settings)  # taken once: the directory state was saved with the rows
    assert again.polls[0].listed == 0 and again.polls[0].new_article_ids == []
