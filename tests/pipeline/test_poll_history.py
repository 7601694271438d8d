"""Per-source poll history: each poll that contacts a source is recorded (time, duration, HTTP status, entries
listed, new articles, error), kept for `http.poll_history`, shown in `sources list --json` and on the source's
dashboard page; a source not polled yet says `never polled` (loopback site, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from chipwatch.cli.main import main
from chipwatch.config import settings_from_dict
from chipwatch.dashboard import create_app
from chipwatch.pipeline.cycle import prepare_sources, run_cycle
from chipwatch.storage.db import Database
from chipwatch.storage.models import SourcePoll
from chipwatch.storage.source_polls import PollRecord, record_source_poll
from chipwatch.storage.sources import source_by_name, source_summaries
from chipwatch.storage.types import utcnow


def _feed(site: Any, items: int) -> bytes:
    entries = "".join(
        f"<item><title>t{n}</title><link>{site.url}/a{n}.html</link><guid>g{n}</guid>"
        f"<description>NVIDIA shares rose {n}% today.</description></item>"
        for n in range(items)
    )
    return f"<rss version='2.0'><channel><title>f</title>{entries}</channel></rss>".encode()


def _settings(site: Any, tmp_path: Path, **http: Any) -> Any:
    (tmp_path / "drop").mkdir(exist_ok=True)
    return settings_from_dict(
        {
            "sources": [
                {"name": "good", "kind": "feed", "url": f"{site.url}/feed.xml"},
                {"name": "broken", "kind": "feed", "url": f"{site.url}/broken.xml"},
                {"name": "drop", "kind": "directory", "path": str(tmp_path / "drop")},
                {"name": "later", "kind": "feed", "url": f"{site.url}/later.xml", "enabled": True, "every": "1h"},
            ],
            "http": {"allow_private_networks": True, **http},
        }
    )


def _polls(db: Database, name: str) -> list[SourcePoll]:
    with db.session() as s:
        source_id = source_by_name(s, name).id
        return list(s.scalars(select(SourcePoll).where(SourcePoll.source_id == source_id).order_by(SourcePoll.id)))


def test_each_poll_is_recorded_with_its_outcome(db: Database, site: Any, tmp_path: Path) -> None:
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, _feed(site, 3))
    site.routes["/broken.xml"] = (500, {"Content-Type": "text/plain"}, b"down")
    for n in range(3):
        site.routes[f"/a{n}.html"] = (200, {"Content-Type": "text/html"}, b"<p>NVIDIA</p>")
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "note.txt").write_text("TSMC capex up 20%", encoding="utf-8")
    settings = _settings(site, tmp_path)
    settings = settings.model_copy(update={"sources": settings.sources[:3]})
    before = utcnow()
    run_cycle(db, settings)
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, _feed(site, 4))
    site.routes["/a3.html"] = (200, {"Content-Type": "text/html"}, b"<p>NVIDIA</p>")
    run_cycle(db, settings)

    good = _polls(db, "good")
    assert [(p.http_status, p.listed, p.new_articles, p.error) for p in good] == [(200, 3, 3, None), (200, 4, 1, None)]
    assert all(before <= p.started_at <= utcnow() and 0 < p.seconds < 60 for p in good)
    broken = _polls(db, "broken")
    assert [p.http_status for p in broken] == [500, 500] and all("HTTP 500" in (p.error or "") for p in broken)
    drop = _polls(db, "drop")
    assert [(p.http_status, p.listed, p.new_articles) for p in drop] == [(None, 1, 1), (None, 0, 0)]


def test_history_is_kept_for_the_configured_window(db: Database) -> None:
    with db.session() as s, s.begin():
        from chipwatch.storage.sources import SourceSpec, sync_sources

        source_id = sync_sources(s, [SourceSpec("s", "feed", "http://127.0.0.1:9/f")])["s"].id
    now = utcnow()
    for hours_ago in (50, 30, 10, 0):
        with db.session() as s, s.begin():
            at = now - timedelta(hours=hours_ago)
            record_source_poll(s, PollRecord(source_id, at, 0.1, 200, 1, 0, None), keep=timedelta(days=1))
    with db.session() as s:
        kept = sorted(round((now - p.started_at).total_seconds() / 3600) for p in s.scalars(select(SourcePoll)))
    assert kept == [0, 10]  # 50 h and 30 h ago are older than a day before the newest poll


def test_sources_list_and_the_source_page_show_the_history(tmp_path: Path, site: Any, capsys: Any) -> None:
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, _feed(site, 2))
    for n in range(2):
        site.routes[f"/a{n}.html"] = (200, {"Content-Type": "text/html"}, b"<p>NVIDIA</p>")
    site.routes["/broken.xml"] = (404, {"Content-Type": "text/plain"}, b"gone")
    config = tmp_path / "c.yaml"
    config.write_text(
        f"database: sqlite:///{tmp_path / 'cw.db'}\n"
        f"sources:\n  - {{name: good, kind: feed, url: '{site.url}/feed.xml'}}\n"
        f"  - {{name: broken, kind: feed, url: '{site.url}/broken.xml'}}\n"
        f"  - {{name: later, kind: feed, url: '{site.url}/later.xml'}}\n"
        "http: {allow_private_networks: true, poll_history: 7d}\n",
        encoding="utf-8",
    )
    assert main(["sources", "list", "--config", str(config), "--json"]) == 0
    fresh = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert {r["status"] for r in fresh.values()} == {"never polled"} and fresh["good"]["polls"] == []

    from chipwatch.config import load_settings
    from chipwatch.storage.db import open_database

    settings = load_settings(config)
    settings = settings.model_copy(update={"sources": settings.sources[:2]})  # `later` stays unpolled
    db = open_database(settings.database)
    try:
        run_cycle(db, settings)
        assert main(["sources", "list", "--config", str(config), "--json"]) == 0
        rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
        assert rows["later"]["status"] == "never polled" and rows["good"]["status"] == "ok"
        [poll] = rows["good"]["polls"]
        assert poll["http_status"] == 200 and poll["listed"] == 2 and poll["new"] == 2 and poll["error"] is None
        assert rows["broken"]["polls"][0]["http_status"] == 404 and rows["broken"]["status"] == "error"

        assert main(["sources", "list", "--config", str(config)]) == 0
        text = capsys.readouterr().out
        assert "never polled" in text and "last poll just now" in text

        client = TestClient(create_app(db, timezone="Europe/Berlin"))
        page = client.get("/sources/broken")
        assert page.status_code == 200 and "HTTP 404" in page.text and '<td class="num">404</td>' in page.text
        assert "CET" in page.text or "CEST" in page.text  # absolute time on hover, in the configured zone
        assert "Never polled yet" in client.get("/sources/later").text
        assert client.get("/sources/nothing-here").status_code == 404
        listing = client.get("/sources").text
        assert 'href="/sources/good"' in listing and "never polled" in listing
        api = {s["name"]: s for s in client.get("/api/sources").json()["items"]}
        assert api["good"]["polls"][0]["new"] == 2
        with db.session() as s:
            assert len(source_summaries(s)) == 3
        assert prepare_sources(db, settings, only_due=True) == []  # both polled sources wait for their interval
    finally:
        db.dispose()
