"""An article corrected at its source: the claims it no longer makes are withdrawn, not deleted, and hidden;
alerts never go out twice, and an alert still waiting for a withdrawn claim is cancelled.

A loopback site serves an Atom feed and one article page; the test swaps the page for a corrected version
and moves the feed's <updated> past the first fetch, so the next poll fetches it again (SQLite and PostgreSQL).
"""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from chipwatch.alerts.delivery import deliver_due
from chipwatch.config import settings_from_dict
from chipwatch.dashboard import create_app
from chipwatch.pipeline.cycle import CycleReport, run_cycle
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert, AlertClaim, Claim
from chipwatch.storage.types import utcnow

NVIDIA = "NVIDIA shares plunged 17% on Monday, wiping out nearly $600 billion of market value in a single day."
TSMC = "TSMC said its advanced packaging capacity for AI accelerators will double next year."
AMD_WRONG = "AMD raised its data center GPU revenue forecast to $5 billion for the year."
AMD_FIXED = "AMD raised its data center GPU revenue forecast to $4.5 billion for the year."


def _page(*sentences: str) -> bytes:
    paras = "".join(f"<p>{s}</p>" for s in sentences)
    return (
        "<html><head><meta charset='utf-8'><title>AI chip week</title></head>"
        f"<body><article><h1>AI chip week</h1>{paras}</article></body></html>"
    ).encode()


class Story:
    """The site's one article, published and then changed (the feed says when)."""

    def __init__(self, site: Any) -> None:
        self.site = site
        self.publish(datetime(2026, 1, 5, 8, 0, tzinfo=utcnow().tzinfo), NVIDIA, TSMC, AMD_WRONG)

    def publish(self, updated: datetime, *sentences: str) -> None:
        url = f"{self.site.url}/news/chips.html"
        feed = (
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:t</id>'
            f"<updated>{updated:%Y-%m-%dT%H:%M:%SZ}</updated>"
            f'<entry><title>AI chip week</title><id>urn:chips</id><link href="{url}"/>'
            f"<published>2026-01-05T08:00:00Z</published><updated>{updated:%Y-%m-%dT%H:%M:%SZ}</updated></entry></feed>"
        )
        self.site.routes["/feed.atom"] = (200, {"Content-Type": "application/atom+xml"}, feed.encode())
        self.site.routes["/news/chips.html"] = (200, {"Content-Type": "text/html; charset=utf-8"}, _page(*sentences))

    def change(self, *sentences: str) -> None:
        """Serve a new version, dated after everything fetched so far (feeds give whole seconds)."""
        stamp = utcnow().replace(microsecond=0) + timedelta(seconds=1)
        self.publish(stamp, *sentences)
        while utcnow() <= stamp:  # the poll ignores change dates in the future
            time.sleep(0.05)


def _settings(site_url: str, target: str) -> Any:
    return settings_from_dict(
        {
            "sources": [{"name": "chips", "kind": "feed", "url": f"{site_url}/feed.atom"}],
            "alerts": [{"name": "big", "min_score": 0.5, "entities": ["NVIDIA", "AMD"], "notify": [target]}],
            "http": {"allow_private_networks": True},
        }
    )


def _claims(db: Database) -> dict[str, Claim]:
    with db.session() as s:
        return {c.text: c for c in s.scalars(select(Claim))}


def _alerts(db: Database) -> dict[str, str]:
    """Claim text -> the state of the alert listing it (one target, so at most one alert per claim)."""
    with db.session() as s:
        rows = s.execute(
            select(Claim.text, Alert.state)
            .join(AlertClaim, AlertClaim.claim_id == Claim.id)
            .join(Alert, Alert.dedup_key == AlertClaim.alert_key)
        ).all()
    assert len(rows) == len({t for t, _ in rows})
    return dict(rows)


def _alerted(rec: Any) -> list[list[str]]:
    """The claims each delivered message lists (one message per article and rule)."""
    return [sorted(t for t in (NVIDIA, AMD_WRONG, AMD_FIXED, TSMC) if t in m["message"]) for m in rec.received]


def _refreshed(report: CycleReport) -> list[int]:
    return [i for p in report.polls for i in p.refreshed_article_ids]


def test_a_corrected_article_withdraws_the_dropped_claim_and_alerts_each_claim_once(
    db: Database, site: Any, receiver: Any
) -> None:
    target, rec = receiver
    story = Story(site)
    settings = _settings(site.url, target)

    first = run_cycle(db, settings)
    before = _claims(db)
    assert set(before) == {NVIDIA, TSMC, AMD_WRONG} and first.processing.processed == 1
    assert _alerted(rec) == [sorted([NVIDIA, AMD_WRONG])]  # one message; the rule names NVIDIA and AMD, not TSMC

    story.change(NVIDIA, TSMC, AMD_FIXED)
    second = run_cycle(db, settings)
    after = _claims(db)
    [article_id] = _refreshed(second)
    assert second.processing.processed == 1 and site.hits["/news/chips.html"] == 2
    assert set(after) == {NVIDIA, TSMC, AMD_WRONG, AMD_FIXED}  # nothing deleted
    assert after[NVIDIA].id == before[NVIDIA].id and after[TSMC].id == before[TSMC].id  # unchanged sentences
    assert after[NVIDIA].withdrawn_at is None and after[AMD_FIXED].withdrawn_at is None
    assert after[AMD_WRONG].withdrawn_at is not None and after[AMD_WRONG].id == before[AMD_WRONG].id
    assert second.processing.withdrawn_claim_ids == [before[AMD_WRONG].id]
    assert second.processing.new_claim_ids == [after[AMD_FIXED].id]
    assert _alerted(rec) == [sorted([NVIDIA, AMD_WRONG]), [AMD_FIXED]]  # only the new claim, as a follow-up
    assert rec.received[1]["title"].startswith("Update: AMD")
    assert _alerts(db) == {NVIDIA: "sent", AMD_WRONG: "sent", AMD_FIXED: "sent"}  # a sent alert stays sent

    client = TestClient(create_app(db))
    listed = [c["text"] for c in client.get("/api/claims").json()["items"]]
    assert sorted(listed) == sorted([NVIDIA, TSMC, AMD_FIXED])
    every = {c["text"]: c for c in client.get("/api/claims", params={"withdrawn": "include"}).json()["items"]}
    assert set(every) == set(after) and every[AMD_WRONG]["withdrawn_at"] is not None
    assert every[NVIDIA]["withdrawn_at"] is None
    only = client.get("/api/claims", params={"withdrawn": "only"}).json()["items"]
    assert [c["text"] for c in only] == [AMD_WRONG]
    assert client.get("/api/claims", params={"withdrawn": "maybe"}).status_code == 400
    assert [c["text"] for c in client.get("/api/claims", params={"entity": "AMD"}).json()["items"]] == [AMD_FIXED]
    assert [c["text"] for c in client.get("/api/claims", params={"q": "$5 billion"}).json()["items"]] == []

    assert "$5 billion" not in client.get("/claims").text
    only_page = client.get("/", params={"withdrawn": "only"}).text
    assert f"<del>{AMD_WRONG}</del>" in only_page and "badge withdrawn" in only_page and NVIDIA not in only_page

    rows = list(csv.DictReader(io.StringIO(client.get("/export/claims.csv").text.lstrip("\ufeff"))))
    assert sorted(r["text"] for r in rows) == sorted([NVIDIA, TSMC, AMD_FIXED])
    atom = client.get("/feeds/claims.atom").text
    assert "$4.5 billion" in atom and "$5 billion" not in atom

    article = client.get(f"/api/articles/{article_id}").json()
    gone = [c for c in article["claims"] if c["withdrawn_at"]]
    assert [c["text"] for c in gone] == [AMD_WRONG]
    page = client.get(f"/articles/{article_id}").text
    assert "1 withdrawn" in page and "3 claims" in page and f"<del>{AMD_WRONG}</del>" in page
    # relative, with the absolute time (UTC unless configured) on hover
    assert f'withdrawn <time datetime="{after[AMD_WRONG].withdrawn_at.isoformat()}"' in page
    assert after[AMD_WRONG].withdrawn_at.strftime('title="%Y-%m-%d %H:%M UTC"') in page

    # The original wording comes back: the same claim row is current again, and nothing is sent twice.
    story.change(NVIDIA, TSMC, AMD_WRONG)
    third = run_cycle(db, settings)
    again = _claims(db)
    assert third.processing.restored_claim_ids == [before[AMD_WRONG].id] and third.processing.new_claim_ids == []
    assert third.processing.withdrawn_claim_ids == [after[AMD_FIXED].id]
    assert again[AMD_WRONG].withdrawn_at is None and again[AMD_FIXED].withdrawn_at is not None
    assert third.alerts_queued == 0 and third.delivery.deliveries == []
    assert _alerted(rec) == [sorted([NVIDIA, AMD_WRONG]), [AMD_FIXED]]
    keys = [m["message"].split("Alert-Id:")[1].split()[0] for m in rec.received]
    assert len(keys) == len(set(keys))


def test_an_alert_still_waiting_for_a_withdrawn_claim_is_cancelled_not_sent(
    db: Database, site: Any, receiver: Any
) -> None:
    target, rec = receiver
    story = Story(site)
    settings = _settings(site.url, target)

    rec.fail = True  # the target is down: the article's alert (NVIDIA and AMD) waits for a retry
    first = run_cycle(db, settings)
    assert first.delivery.sent == 0 and _alerts(db) == {NVIDIA: "failed", AMD_WRONG: "failed"}

    rec.fail = False
    story.change(NVIDIA, TSMC, AMD_FIXED)
    second = run_cycle(db, settings)
    # The waiting message listed the withdrawn sentence: it is cancelled, and its other claim goes out with the
    # new one in a fresh message, at once.
    assert second.processing.withdrawn_claim_ids and _alerted(rec) == [sorted([NVIDIA, AMD_FIXED])]
    assert _alerts(db) == {NVIDIA: "sent", AMD_FIXED: "sent"}

    later = deliver_due(db, settings.alerts, now=utcnow() + timedelta(hours=2))
    assert later.deliveries == [] and len(rec.received) == 1  # the cancelled one never goes out
    with db.session() as s:
        cancelled = s.scalars(select(Alert).where(Alert.state == "cancelled")).one()
    assert "withdrawn" in (cancelled.last_error or "")
    client = TestClient(create_app(db))
    assert client.get("/api/alerts").json()["counts"]["cancelled"] == 1
    assert [a["id"] for a in client.get("/api/alerts", params={"state": "cancelled"}).json()["items"]] == [cancelled.id]

    # Said again, never delivered: it goes out once, as a follow-up to the article's message.
    story.change(NVIDIA, TSMC, AMD_WRONG)
    third = run_cycle(db, settings)
    assert third.processing.restored_claim_ids and third.delivery.sent == 1
    assert _alerted(rec) == [sorted([NVIDIA, AMD_FIXED]), [AMD_WRONG]]
    assert rec.received[1]["title"].startswith("Update: AMD")
    assert _alerts(db) == {NVIDIA: "sent", AMD_WRONG: "sent", AMD_FIXED: "sent"}
