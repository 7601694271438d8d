"""The outbox against real apprise deliveries into loopback receivers, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.config import settings_from_dict
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert
from chipwatch.storage.types import utcnow


def settings(*urls: str, **alerts: Any) -> Any:
    rule = {"name": "notable", "min_score": 0.5, "notify": list(urls)}
    return settings_from_dict({"alerts": {"rules": [rule], **alerts}}).alerts


def rows(db: Database) -> list[Alert]:
    with db.session() as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)))


def test_delivered_once_and_a_rerun_sends_nothing(db: Database, hook: Any, store: Any, make_claim: Any) -> None:
    store(db, [make_claim("NVIDIA fell 17%"), make_claim("NVIDIA margin 73%"), make_claim("dull", score=0.1)])
    cfg = settings(hook.target())
    assert len(enqueue_alerts(db, cfg)) == 2
    assert enqueue_alerts(db, cfg) == []  # claims are evaluated once
    report = deliver_due(db, cfg)
    assert report.sent == 2 and report.failed == 0
    keys = [a.dedup_key for a in rows(db)]
    assert sorted(hook.ids()) == sorted(keys)  # each payload carries its dedup key
    assert all(a.state == "sent" and a.attempts == 1 and a.claimed_by is None for a in rows(db))
    assert deliver_due(db, cfg, now=utcnow() + timedelta(days=1)).deliveries == []
    assert len(hook.received) == 2


def test_each_target_is_notified_on_its_own(
    db: Database, hook: Any, store: Any, make_claim: Any, closed_port: int
) -> None:
    store(db, [make_claim("NVIDIA fell 17%")])
    cfg = settings(hook.target(), f"json://127.0.0.1:{closed_port}/down?cto=1&rto=1")
    enqueue_alerts(db, cfg)
    report = deliver_due(db, cfg)
    assert report.sent == 1 and report.failed == 1 and len(hook.received) == 1
    assert sorted(a.state for a in rows(db)) == ["failed", "sent"]


# A target that times out is `unknown`, not failed: tests/alerts/test_slow_targets.py.
@pytest.mark.parametrize("failure", ["http 500", "refused"])
def test_a_down_target_loses_nothing_and_each_alert_arrives_once_when_it_recovers(
    db: Database, hook: Any, down_hook: Any, store: Any, make_claim: Any, failure: str
) -> None:
    rec = hook
    if failure == "refused":
        rec, up = down_hook
    rec.mode = "fail" if failure == "http 500" else "ok"
    store(db, [make_claim("NVIDIA fell 17%"), make_claim("TSMC capex up 20%")])
    cfg = settings(rec.target(rto=1))
    enqueue_alerts(db, cfg)
    t0 = utcnow()
    first = deliver_due(db, cfg, now=t0)
    assert first.failed == 2 and first.sent == 0 and rec.received == []
    failed = rows(db)
    assert all(a.state == "failed" and a.last_error and a.attempts == 1 for a in failed)
    # the first retry is due within a minute, not before the backoff
    assert all(t0 < a.next_attempt_at <= t0 + timedelta(seconds=60) for a in failed)
    assert deliver_due(db, cfg, now=t0 + timedelta(seconds=1)).deliveries == []
    # the target recovers
    if failure == "refused":
        up()
    rec.mode = "ok"
    later = deliver_due(db, cfg, now=t0 + timedelta(minutes=2))
    assert later.sent == 2
    assert sorted(rec.ids()) == sorted(a.dedup_key for a in rows(db))  # each once
    assert deliver_due(db, cfg, now=t0 + timedelta(hours=5)).deliveries == []
    assert len(rec.received) == 2


def test_backoff_grows_to_a_cap_then_the_alert_is_dead_until_retried(
    db: Database, hook: Any, store: Any, make_claim: Any
) -> None:
    hook.mode = "fail"
    store(db, [make_claim("NVIDIA fell 17%")])
    cfg = settings(hook.target(), max_attempts=4, retry_first="30s", retry_cap="2m")
    enqueue_alerts(db, cfg)
    t, delays = utcnow(), []
    for _ in range(3):
        assert deliver_due(db, cfg, now=t).failed == 1
        (alert,) = rows(db)
        delays.append((alert.next_attempt_at - t).total_seconds())
        t = alert.next_attempt_at
    assert delays == [30, 60, 120]
    report = deliver_due(db, cfg, now=t)
    assert report.dead == 1
    (alert,) = rows(db)
    assert alert.state == "dead" and alert.attempts == 4 and alert.next_attempt_at is None
    assert deliver_due(db, cfg, now=t + timedelta(days=1)).deliveries == []  # dead stays dead

    from chipwatch.storage.requeue import requeue

    with db.session() as s, s.begin():
        assert requeue(s, dead=True) == [alert.id]
    hook.mode = "ok"
    assert deliver_due(db, cfg).sent == 1
    assert rows(db)[0].state == "sent" and hook.ids() == [alert.dedup_key]


def test_two_workers_never_send_the_same_row(db: Database, hook: Any, store: Any, make_claim: Any) -> None:
    store(db, [make_claim(f"NVIDIA claim {i}") for i in range(24)])
    cfg = settings(hook.target())
    enqueue_alerts(db, cfg)
    reports: list[Any] = []

    def work(name: str) -> None:
        reports.append(deliver_due(db, cfg, worker_id=name, batch=3))

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    sent_ids = [d.alert_id for r in reports for d in r.deliveries]
    assert len(sent_ids) == len(set(sent_ids)) == 24
    assert sorted(hook.ids()) == sorted(a.dedup_key for a in rows(db))


def test_claims_skip_rows_another_worker_holds(db: Database, store: Any, make_claim: Any) -> None:
    from chipwatch.storage import outbox

    store(db, [make_claim(f"NVIDIA claim {i}") for i in range(5)])
    enqueue_alerts(db, settings("json://127.0.0.1:9/x"))
    lease = timedelta(minutes=5)
    with db.session() as a, a.begin():
        first = [r.id for r in outbox.claim_due(a, "A", lease, limit=2)]
    with db.session() as b, b.begin():
        second = [r.id for r in outbox.claim_due(b, "B", lease, limit=10)]
    assert len(first) == 2 and len(second) == 3 and not set(first) & set(second)
    with db.session() as c, c.begin():
        assert outbox.claim_due(c, "C", lease, limit=10) == []  # all held, leases running
    with db.session() as d, d.begin():
        # a crashed worker's rows come back once its lease has run out
        assert len(outbox.claim_due(d, "D", lease, limit=10, now=utcnow() + timedelta(minutes=6))) == 5


def test_notification_urls_are_masked_in_rows_logs_and_reasons(
    db: Database, store: Any, make_claim: Any, caplog: pytest.LogCaptureFixture, closed_port: int
) -> None:
    secret = "S3cretPass"
    mail = f"mailto://watch:{secret}@127.0.0.1:{closed_port}?to=a@example.com&from=b@example.com&mode=insecure"
    hook_url = f"json://127.0.0.1:{closed_port}/hook?token={secret}&cto=1&rto=1"
    store(db, [make_claim("NVIDIA fell 17%")])
    cfg = settings(mail, hook_url)
    enqueue_alerts(db, cfg)
    with caplog.at_level(logging.DEBUG):
        report = deliver_due(db, cfg)
    assert report.failed == 2
    stored = " ".join(f"{a.target} {a.last_error} {a.title} {a.body}" for a in rows(db))
    shown = " ".join(f"{d.target} {d.error}" for d in report.deliveries)
    assert "127.0.0.1" in stored and all(a.last_error for a in rows(db))
    for text in (stored, shown, caplog.text):
        assert secret not in text


@pytest.mark.parametrize(
    ("fmt", "expect"), [("markdown", r"\<b\>NVIDIA\</b\> \*fell\*"), ("html", "&lt;b&gt;NVIDIA&lt;/b&gt; *fell*")]
)
def test_the_body_follows_the_format_the_target_renders(
    db: Database, hook: Any, store: Any, make_claim: Any, fmt: str, expect: str
) -> None:
    # apprise's `format=` URL argument sets what the target renders, as slack (markdown) or email (html) do
    store(db, [make_claim("<b>NVIDIA</b> *fell* 17%")])
    cfg = settings(f"{hook.target()}&format={fmt}")
    enqueue_alerts(db, cfg)
    assert deliver_due(db, cfg).sent == 1
    assert rows(db)[0].body_format == fmt
    assert expect in hook.received[0]["message"]
