"""Several workers on one database, as on several machines: what that relies on, with real processes.

Each worker is its own Python process running what a `process` flow run does (claim under a lease,
analyse, on a process pool for one of them, store, queue alerts, deliver), started for an event of
its own ids and then taking any other waiting articles. Against SQLite and PostgreSQL (SKIP LOCKED),
every article is stored by exactly one worker and every alert reaches the target exactly once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from chipwatch.config import settings_from_dict
from chipwatch.pipeline.cycle import http_client
from chipwatch.pipeline.poll import poll_source
from chipwatch.pipeline.process import process_articles
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert, Article, Claim
from chipwatch.storage.sources import SourceSpec, sync_sources

pytestmark = pytest.mark.slow

N = 60
WORKER = """
import json, sys
from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.config import settings_from_dict
from chipwatch.pipeline.pool import AnalysisPool
from chipwatch.pipeline.process import process_articles
from chipwatch.storage.db import open_database
url, worker, ids, cores, target = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
settings = settings_from_dict({"database": url, "alerts": [{"name": "notable", "min_score": 0.5, "notify": [target]}]})
db = open_database(url)
with AnalysisPool(cores) as pool:
    out = process_articles(db, ids, 100000, worker_id=worker, batch=8, map_fn=pool.map, then_waiting=True)
    started = pool.started
queued = enqueue_alerts(db, settings.alerts)
sent = deliver_due(db, settings.alerts).sent
print(json.dumps({"processed": out.processed, "taken_over": out.taken_over, "pool": started, "sent": sent}))
"""


def _page(i: int) -> str:
    # Distinct words per page, so no page is a near-duplicate of another; one notable sentence each.
    words = " ".join(uuid.uuid5(uuid.NAMESPACE_URL, f"{i}-{k}").hex[:10] for k in range(40))
    return (
        f"<html><head><meta charset='utf-8'><title>英伟达 {i}</title></head><body><article><h1>英伟达 {i}</h1>"
        f"<p>美国科技股本周遭到重创，英伟达股价暴跌近{10 + i % 7}%，市值单日蒸发近{5000 + i}亿美元。</p>"
        f"<p>Reference codes {words}.</p></article></body></html>"
    )


def _stored(db: Database, site: Any, n: int) -> list[int]:
    items = "".join(
        f"<item><title>n{i}</title><link>{site.url}/a/{i}.html</link><guid>a-{i}</guid></item>" for i in range(n)
    )
    site.routes["/feed.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        f"<rss><channel>{items}</channel></rss>".encode(),
    )
    for i in range(n):
        site.routes[f"/a/{i}.html"] = (200, {"Content-Type": "text/html; charset=utf-8"}, _page(i).encode())
    settings = settings_from_dict(
        {
            "sources": [{"name": "loop", "kind": "feed", "url": f"{site.url}/feed.xml"}],
            "http": {"allow_private_networks": True},
        }
    )
    src = settings.sources[0]
    with db.session() as s, s.begin():
        sync_sources(s, [SourceSpec(src.name, src.kind, src.url)])
    with http_client(settings) as client:
        out = poll_source(db, client, src)
    assert len(out.new_article_ids) == n, out.error
    return out.new_article_ids


def test_workers_share_a_backlog_and_do_each_article_and_alert_once(db: Database, site: Any, receiver: Any) -> None:
    target, rec = receiver
    ids = _stored(db, site, N)
    url = db.engine.url.render_as_string(hide_password=False)
    # Uneven events, as polls make them: one large, two small; the small ones' runs then help with the rest.
    events = {"big": (ids[:44], 1), "small-pool": (ids[44:52], 2), "small": (ids[52:], 1)}
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-c", WORKER, url, name, json.dumps(own), str(cores), target],
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, (own, cores) in events.items()
    }
    outcomes = {}
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=240)
        assert proc.returncode == 0, name
        outcomes[name] = json.loads(out.strip().splitlines()[-1])

    with db.session() as s:
        rows = s.execute(select(Article.id, Article.status, Article.claimed_by)).all()
        notable = s.scalar(select(Claim.id).where(Claim.notable.is_(True)).limit(1))
        alerts = s.execute(select(Alert.id, Alert.state)).all()
    # Every article stored once, by the one worker that held its lease.
    assert Counter(r.status for r in rows) == {"processed": N}
    assert Counter(r.claimed_by for r in rows) == {n: o["processed"] for n, o in outcomes.items() if o["processed"]}
    assert sum(o["processed"] for o in outcomes.values()) == N
    assert all(o["taken_over"] == 0 for o in outcomes.values())
    # Every alert sent once: one outbox row per notable claim, each delivered by one worker, received once.
    assert notable is not None and alerts
    assert {state for _id, state in alerts} == {"sent"}
    assert sum(o["sent"] for o in outcomes.values()) == len(alerts)
    received = Counter(str(m.get("alert_id")) for m in rec.received)
    assert len(rec.received) == len(alerts) and set(received.values()) == {1}


def test_a_run_started_for_some_ids_then_takes_the_rest_of_the_backlog(db: Database, site: Any) -> None:
    ids = _stored(db, site, 12)
    only = process_articles(db, ids[:3], worker_id="w1", batch=4)
    assert only.processed == 3
    rest = process_articles(db, ids[3:5], worker_id="w2", batch=4, then_waiting=True)
    assert rest.processed == 9
    with db.session() as s:
        assert Counter(s.scalars(select(Article.claimed_by))) == {"w1": 3, "w2": 9}
