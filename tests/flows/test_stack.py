"""End to end on a real Prefect stack (server on PostgreSQL, two process workers, prefect.yaml deployed):
events trigger `process` and `deliver`; two workers over 1,000 loopback articles do each one once."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from chipwatch.storage.articles import NewArticle, add_articles
from chipwatch.storage.db import Database, open_database
from chipwatch.storage.models import Alert, Article, Claim
from chipwatch.storage.sources import SourceSpec, sync_sources

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

_NOTABLE = (
    "<html><head><meta charset='utf-8'><title>英伟达暴跌</title></head><body><article><h1>英伟达暴跌</h1>"
    "<p>美国科技股本周遭到重创，英伟达股价暴跌近17%，市值单日蒸发近6000亿美元，创下美国上市公司单日市值损失的纪录。</p>"
    "<p>Desk reference {tag}.</p></article></body></html>"
)
_PLAIN = (
    "<html><head><meta charset='utf-8'><title>Note {tag}</title></head><body><article><h1>Chip note</h1>"
    "<p>Packaging capacity at the plant will grow next year, according to people familiar with the plan.</p>"
    "<p>Desk reference {tag}.</p></article></body></html>"
)


def _unique(template: str, seed: object) -> str:
    """Each page needs text of its own: the pipeline stores near-identical re-posts as aliases of one article."""
    tag = " ".join(hashlib.sha256(f"{seed}-{k}".encode()).hexdigest() for k in range(4))
    return template.format(tag=tag)


def _post_event(api_url: str, event: str, resource_id: str, payload: dict[str, Any]) -> None:
    body = [
        {
            "id": str(uuid.uuid4()),
            "occurred": datetime.now(UTC).isoformat(),
            "event": event,
            "resource": {"prefect.resource.id": resource_id},
            "payload": payload,
        }
    ]
    assert httpx.post(f"{api_url}/events", json=body, timeout=10).status_code == 204


def _run_deployment(api_url: str, name: str, parameters: dict[str, Any]) -> str:
    with httpx.Client(base_url=api_url, timeout=10) as client:
        dep = client.get(f"/deployments/name/{name}").json()
        run = client.post(f"/deployments/{dep['id']}/create_flow_run", json={"parameters": parameters})
        run.raise_for_status()
        return run.json()["id"]


def _wait(what: str, check: Callable[[], bool], timeout: float, home: Any) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted((home / "logs").glob("worker-*.log")))
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; worker logs:\n{logs}")


def _alert_ids(received: list[dict[str, Any]], url_part: str) -> list[str]:
    out = []
    for payload in list(received):
        message = payload.get("message", "")
        if url_part in message:
            match = re.search(r"Alert-Id:\s*(\S+)", message)
            out.append(match.group(1) if match else message)
    return out


def _sent_alerts(db: Database, url_part: str) -> list[Alert]:
    with db.session() as s:
        stmt = (
            select(Alert)
            .join(Claim, Alert.claim_id == Claim.id)
            .join(Article, Claim.article_id == Article.id)
            .where(Article.url.contains(url_part))
        )
        return list(s.scalars(stmt))


def test_an_emitted_event_runs_process_which_delivers_to_the_receiver(stack: Any) -> None:
    db = open_database(stack.app_db)
    url = f"{stack.site_url}/chain/{uuid.uuid4().hex[:8]}.html"
    with db.session() as s, s.begin():
        src = sync_sources(s, [SourceSpec("manual", "feed", f"{stack.site_url}/manual.xml")])["manual"]
        ids = add_articles(
            s,
            [
                NewArticle(
                    src.id, url, url, None, "t", None, "text/html; charset=utf-8", _unique(_NOTABLE, url).encode()
                )
            ],
        )

    _post_event(stack.api_url, "chipwatch.article.new", "chipwatch.source.manual", {"article_ids": ids})

    _wait("the alert at the receiver", lambda: bool(_alert_ids(stack.receiver.received, url)), 150, stack.home)
    with db.session() as s:
        article = s.get_one(Article, ids[0])
        assert article.status == "processed" and article.claimed_by  # done by a worker's flow run
    alerts = _sent_alerts(db, url)
    _wait("every alert sent", lambda: all(a.state == "sent" for a in _sent_alerts(db, url)), 60, stack.home)
    time.sleep(3)  # a duplicate delivery, if any, would arrive now
    got = _alert_ids(stack.receiver.received, url)
    assert sorted(got) == sorted(a.dedup_key for a in alerts) and len(got) == len(set(got)) > 0
    db.dispose()


def test_two_workers_over_1000_articles_do_each_once_and_deliver_each_alert_once(stack: Any) -> None:
    db = open_database(stack.app_db)
    n, every = 1000, 100
    items = "".join(
        f"<item><title>n{i}</title><link>{stack.site_url}/bulk/{i}.html</link><guid>bulk-{i}</guid></item>"
        for i in range(n)
    )
    stack.pages.routes["/feed.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        f'<rss version="2.0"><channel><title>bulk</title>{items}</channel></rss>'.encode(),
    )
    for i in range(n):
        page = _unique(_NOTABLE if i % every == 0 else _PLAIN, i)
        stack.pages.routes[f"/bulk/{i}.html"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())

    _run_deployment(stack.api_url, "poll/poll", {"only_due": False})

    def bulk() -> list[Article]:
        with db.session() as s:
            return list(s.scalars(select(Article).where(Article.url.contains("/bulk/"))))

    _wait(f"{n} articles processed", lambda: sum(a.status != "new" for a in bulk()) >= n, 300, stack.home)
    articles = bulk()
    assert len(articles) == n and len({a.canonical_url for a in articles}) == n
    assert Counter(a.status for a in articles) == {"processed": n}
    runs = Counter(a.claimed_by for a in articles)
    assert len(runs) >= 2, f"expected the work spread over several flow runs, got {runs}"

    # A process run marks its articles processed, then queues their alerts: the last run's may still be coming.
    _wait("the bulk alerts queued", lambda: len(_sent_alerts(db, "/bulk/")) >= n // every, 120, stack.home)
    alerts = _sent_alerts(db, "/bulk/")
    assert len(alerts) >= n // every
    _wait("every bulk alert sent", lambda: all(a.state == "sent" for a in _sent_alerts(db, "/bulk/")), 120, stack.home)
    time.sleep(3)
    got = _alert_ids(stack.receiver.received, "/bulk/")
    assert Counter(got) == Counter(a.dedup_key for a in alerts)  # each alert delivered exactly once
    db.dispose()


def test_poll_processes_articles_whose_event_was_lost(stack: Any) -> None:
    """No event for this article: the next `poll` run finds it waiting too long and processes it."""
    db = open_database(stack.app_db)
    url = f"{stack.site_url}/lost/{uuid.uuid4().hex[:8]}.html"
    with db.session() as s, s.begin():
        src = sync_sources(s, [SourceSpec("manual", "feed", f"{stack.site_url}/manual.xml")])["manual"]
        [article_id] = add_articles(
            s,
            [
                NewArticle(
                    src.id, url, url, None, "t", None, "text/html; charset=utf-8", _unique(_NOTABLE, url).encode()
                )
            ],
        )
        s.get_one(Article, article_id).fetched_at = datetime.now(UTC) - timedelta(minutes=10)

    _run_deployment(stack.api_url, "poll/poll", {"only_due": True})

    def done() -> bool:
        with db.session() as s:
            return s.get_one(Article, article_id).status == "processed"

    _wait("the stale article processed by poll's fallback", done, 120, stack.home)
    _wait("its alert at the receiver", lambda: bool(_alert_ids(stack.receiver.received, url)), 90, stack.home)
    db.dispose()


def _deliver_runs(api_url: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=api_url, timeout=10) as client:
        dep = client.get("/deployments/name/deliver/deliver").json()
        return client.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [dep["id"]]}}}).json()


def test_notable_claims_run_deliver_only_when_alerts_were_left_unsent(stack: Any) -> None:
    """`process` sends its alerts inline and says so on the event: no `deliver` run (a whole process
    start-up) follows; an event saying alerts are pending still runs `deliver`."""
    base = 10**9 + uuid.uuid4().int % 10**6  # no such claims: the run only has to exist
    sent, pending = base, base + 1
    for marker, delivery in ((sent, "sent"), (pending, "pending")):
        body = [
            {
                "id": str(uuid.uuid4()),
                "occurred": datetime.now(UTC).isoformat(),
                "event": "chipwatch.claim.notable",
                "resource": {"prefect.resource.id": "chipwatch.claims", "chipwatch.delivery": delivery},
                "payload": {"claim_ids": [marker]},
            }
        ]
        assert httpx.post(f"{stack.api_url}/events", json=body, timeout=10).status_code == 204

    def markers() -> list[int]:
        return [i for run in _deliver_runs(stack.api_url) for i in (run["parameters"].get("claim_ids") or [])]

    _wait("a deliver run for the pending event", lambda: pending in markers(), 60, stack.home)
    time.sleep(3)  # the earlier event, had it matched, has been acted on by now
    assert sent not in markers()


def test_flow_runs_start_the_engine_directly(stack: Any) -> None:
    """Every deployment runs `python -m prefect.engine` itself: without a command, Prefect's process
    worker first starts a workspace supervisor, a second Python process per flow run."""
    with httpx.Client(base_url=stack.api_url, timeout=10) as client:
        deps = client.post("/deployments/filter", json={}).json()
    assert {d["name"]: d["job_variables"].get("command") for d in deps} == {
        name: "python -m prefect.engine" for name in ("poll", "process", "deliver", "digest")
    }


def test_the_stack_runs_the_web_process_and_stops_it(stack: Any) -> None:
    from chipwatch.cli.stack_cmd import read_state, stack_status

    state = read_state(stack.home)
    assert state is not None and state.web and state.web_url
    assert httpx.get(f"{state.web_url}/healthz", timeout=5).json() == {"status": "ok", "database": "ok"}
    web = stack_status(stack.home)["web"]
    assert isinstance(web, dict) and web["alive"] and web["url"] == state.web_url
    # No public_url in this config: the callback is there but answers that push is off.
    assert httpx.get(f"{state.web_url}/websub/anything", timeout=5).status_code == 404
