"""Two worker processes run process_articles on one database at once: every article is analysed by
exactly one of them, on SQLite and on PostgreSQL; a worker killed mid-batch loses nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from chipwatch.config import settings_from_dict
from chipwatch.pipeline.poll import poll_source
from chipwatch.pipeline.process import process_articles
from chipwatch.storage.db import Database
from chipwatch.storage.models import Article
from chipwatch.storage.sources import SourceSpec, sync_sources
from chipwatch.storage.types import utcnow

pytestmark = pytest.mark.slow

N = 120
WORKER = """
import json, sys
from chipwatch.storage.db import open_database
from chipwatch.pipeline.process import process_articles
db = open_database(sys.argv[1])
out = process_articles(db, limit=100000, worker_id=sys.argv[2], batch=int(sys.argv[3]))
print(json.dumps({"processed": out.processed, "failed": out.failed, "taken_over": out.taken_over}))
"""


def _serve(site: Any, n: int) -> None:
    items = "".join(
        f"<item><title>n{i}</title><link>{site.url}/a/{i}.html</link><guid>a-{i}</guid></item>" for i in range(n)
    )
    site.routes["/feed.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        f"<rss><channel>{items}</channel></rss>".encode(),
    )
    page = (
        "<html><head><meta charset='utf-8'><title>n</title></head><body><article><h1>Note {i}</h1>"
        "<p>TSMC said capacity for advanced packaging will grow next year, according to plan {i}.</p></article></body></html>"
    )
    for i in range(n):
        site.routes[f"/a/{i}.html"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page.format(i=i).encode())


def _poll(db: Database, site: Any, n: int) -> list[int]:
    _serve(site, n)
    settings = settings_from_dict(
        {
            "sources": [{"name": "loop", "kind": "feed", "url": f"{site.url}/feed.xml"}],
            "http": {"allow_private_networks": True},
        }
    )
    from chipwatch.pipeline.cycle import http_client

    src = settings.sources[0]
    with db.session() as s, s.begin():
        sync_sources(s, [SourceSpec(src.name, src.kind, src.url)])
    with http_client(settings) as client:
        out = poll_source(db, client, src)
    assert len(out.new_article_ids) == n, out.error
    return out.new_article_ids


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _spawn(db: Database, worker: str, batch: int = 10) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, _url(db), worker, str(batch)], stdout=subprocess.PIPE, text=True
    )


def test_two_worker_processes_analyse_each_article_exactly_once(db: Database, site: Any) -> None:
    ids = _poll(db, site, N)
    procs = {w: _spawn(db, w) for w in ("w1", "w2")}
    outcomes = {}
    for w, p in procs.items():
        out, _ = p.communicate(timeout=150)
        assert p.returncode == 0
        outcomes[w] = json.loads(out.strip().splitlines()[-1])
    # Each analysis was stored by the one worker that claimed it: none was done twice or dropped.
    assert sum(o["processed"] + o["failed"] + o["taken_over"] for o in outcomes.values()) == N
    assert all(o["taken_over"] == 0 for o in outcomes.values())
    with db.session() as s:
        rows = s.execute(select(Article.id, Article.status, Article.claimed_by)).all()
    assert sorted(r.id for r in rows) == sorted(ids)
    assert Counter(r.status for r in rows) == {"processed": N}
    by_worker = Counter(r.claimed_by for r in rows)
    assert by_worker == {w: o["processed"] for w, o in outcomes.items()}


def test_a_worker_killed_mid_batch_loses_nothing(db: Database, site: Any) -> None:
    ids = _poll(db, site, 30)
    victim = _spawn(db, "victim", batch=30)  # claims everything in one go
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until its claim is committed, then kill it hard
        with db.session() as s:
            held = s.scalar(select(Article.id).where(Article.claimed_by == "victim").limit(1))
        if held is not None:
            break
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    with db.session() as s:
        left = s.execute(select(Article.id).where(Article.status == "new")).scalars().all()
    assert left, "the victim finished before it could be killed; nothing to recover"
    # Another worker cannot take them while the lease holds ...
    assert process_articles(db, worker_id="rescuer").processed == 0
    # ... and takes them all once it has run out (simulated by moving the lease back).
    with db.session() as s, s.begin():
        s.execute(update(Article).where(Article.status == "new").values(lease_until=utcnow() - timedelta(seconds=1)))
    rescued = process_articles(db, worker_id="rescuer")
    assert rescued.processed == len(left)
    with db.session() as s:
        assert set(s.execute(select(Article.status)).scalars()) == {"processed"}
        assert s.scalar(select(Article.attempts).where(Article.id == left[0])) == 2
    assert len(ids) == 30
