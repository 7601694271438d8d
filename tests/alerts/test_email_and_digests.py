"""Email through a loopback SMTP server, digests, throttle overflow and quiet hours (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from typing import Any

from sqlalchemy import select

from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.digest import send_digests
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.config import settings_from_dict
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert

ZH_CLAIM = {
    "text": "英伟达市值单日蒸发6000亿美元 <惨>",
    "entities": ["NVIDIA"],
    "quantities": [{"value": 600000000000, "unit": "USD", "text": "6000亿美元"}],
}


def alerts_cfg(*rules: dict[str, Any], **extra: Any) -> Any:
    return settings_from_dict({"alerts": {"rules": list(rules), **extra}})


def rows(db: Database, kind: str | None = None) -> list[Alert]:
    with db.session() as s:
        stmt = select(Alert).order_by(Alert.id)
        if kind:
            stmt = stmt.where(Alert.kind == kind)
        return list(s.scalars(stmt))


def test_email_is_html_escaped_and_carries_the_gloss_and_alert_id(
    db: Database, smtp: Any, store: Any, make_claim: Any
) -> None:
    store(db, [make_claim(**ZH_CLAIM)], language="zh")
    settings = alerts_cfg({"name": "mail", "min_score": 0.5, "notify": ["inbox"]}, targets={"inbox": smtp.url()})
    enqueue_alerts(db, settings.alerts)
    assert deliver_due(db, settings.alerts).sent == 1
    (message,) = smtp.messages
    (alert,) = rows(db)
    assert alert.body_format == "html"
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "NVIDIA market value US$600B · bearish · wire"  # the fact, not "a bearish claim"
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert "英伟达市值单日蒸发6000亿美元 &lt;惨&gt;" in html and "<惨>" not in html
    assert "6000亿美元 = USD 600 billion" in html and alert.dedup_key in html
    assert deliver_due(db, settings.alerts).deliveries == [] and len(smtp.messages) == 1


def test_digest_collects_claims_and_goes_out_once_per_period(
    db: Database, hook: Any, smtp: Any, store: Any, make_claim: Any
) -> None:
    rule = {
        "name": "morning",
        "min_score": 0.5,
        "mode": "digest",
        "digest": {"every": "daily", "at": "08:00"},
        "timezone": "Asia/Shanghai",
        "notify": [hook.target(), smtp.url()],
    }
    settings = alerts_cfg(rule)
    evening = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    store(db, [make_claim(**ZH_CLAIM), make_claim("TSMC raises capex to $40bn", entities=["TSMC"])], language="zh")
    assert enqueue_alerts(db, settings.alerts, now=evening) == []  # digest rules queue no immediate alert
    # before 08:00 Shanghai the period holding these claims has not ended
    assert send_digests(db, settings.alerts, now=evening + timedelta(hours=4)).queued == []
    morning = datetime(2026, 11, 25, 0, 5, tzinfo=UTC)  # 08:05 in Shanghai
    report = send_digests(db, settings.alerts, now=morning)
    assert len(report.queued) == 2 and report.delivery.sent == 2
    (payload,) = hook.received
    assert payload["title"] == "[chipwatch] morning digest: 2 claims up to 2026-11-25 08:00 CST"
    assert "英伟达市值单日蒸发6000亿美元" in payload["message"] and "TSMC raises capex" in payload["message"]
    assert "In English: 6000亿美元 = USD 600 billion" in payload["message"]
    assert payload["alert_id"] == rows(db, "digest")[0].dedup_key
    assert len(smtp.messages) == 1
    # rerunning in the same period sends nothing; a claim arriving now waits for tomorrow's digest
    store(db, [make_claim("AMD wins a 6GW deal", entities=["AMD"])], slug="a2")
    enqueue_alerts(db, settings.alerts, now=morning + timedelta(minutes=1))
    assert send_digests(db, settings.alerts, now=morning + timedelta(minutes=30)).queued == []
    assert len(hook.received) == 1
    tomorrow = send_digests(db, settings.alerts, now=morning + timedelta(days=1))
    assert tomorrow.delivery.sent == 2 and "AMD wins" in hook.received[1]["message"]
    assert "TSMC" not in hook.received[1]["message"]


def test_throttle_overflow_goes_into_the_next_digest(db: Database, hook: Any, store: Any, make_claim: Any) -> None:
    rule = {"name": "hot", "min_score": 0.5, "throttle": 2, "notify": [hook.target()]}
    settings = alerts_cfg(rule)
    t = datetime(2026, 11, 25, 9, 10, tzinfo=UTC)
    store(db, [make_claim(f"NVIDIA claim {i}") for i in range(5)])
    assert len(enqueue_alerts(db, settings.alerts, now=t)) == 2
    assert deliver_due(db, settings.alerts, now=t).sent == 2
    store(db, [make_claim("NVIDIA one more")], slug="a2")
    assert enqueue_alerts(db, settings.alerts, now=t + timedelta(minutes=20)) == []  # still 2 in the last hour
    # the hourly digest (default schedule of an immediate rule) picks up the three held back, then the fourth
    report = send_digests(db, settings.alerts, now=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    assert report.delivery.sent == 1
    digest = hook.received[-1]["message"]
    assert digest.count("held back by the rule's throttle") == 4
    assert all(f"NVIDIA claim {i}" in digest for i in (2, 3, 4)) and "NVIDIA one more" in digest
    # an hour later the throttle has room again
    store(db, [make_claim("NVIDIA next hour")], slug="a3")
    assert len(enqueue_alerts(db, settings.alerts, now=t + timedelta(minutes=75))) == 1


def test_quiet_hours_hold_immediate_alerts_until_they_end(db: Database, hook: Any, store: Any, make_claim: Any) -> None:
    rule = {
        "name": "night",
        "min_score": 0.5,
        "timezone": "Asia/Tokyo",
        "quiet_hours": {"start": "22:00", "end": "07:00"},
        "notify": [hook.target()],
    }
    settings = alerts_cfg(rule)
    night = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # 00:30 in Tokyo
    store(db, [make_claim("NVIDIA fell 17%")])
    enqueue_alerts(db, settings.alerts, now=night)
    (alert,) = rows(db)
    assert alert.next_attempt_at == datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # 07:00 in Tokyo
    assert deliver_due(db, settings.alerts, now=night + timedelta(hours=6)).deliveries == []
    assert deliver_due(db, settings.alerts, now=datetime(2026, 11, 25, 22, 0, 1, tzinfo=UTC)).sent == 1
    assert len(hook.received) == 1
    # outside quiet hours an alert goes at once
    store(db, [make_claim("NVIDIA rose 5%")], slug="a2")
    day = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
    enqueue_alerts(db, settings.alerts, now=day)
    assert rows(db)[-1].next_attempt_at is None


def test_a_retry_falling_in_quiet_hours_waits_for_their_end(
    db: Database, hook: Any, store: Any, make_claim: Any
) -> None:
    rule = {
        "name": "night",
        "min_score": 0.5,
        "quiet_hours": {"start": "22:00", "end": "07:00"},
        "notify": [hook.target()],
    }
    settings = alerts_cfg(rule)
    late = datetime(2026, 11, 25, 21, 59, 50, tzinfo=UTC)  # ten seconds before quiet hours (UTC)
    store(db, [make_claim("NVIDIA fell 17%")])
    enqueue_alerts(db, settings.alerts, now=late)
    hook.mode = "fail"
    assert deliver_due(db, settings.alerts, now=late).failed == 1
    (alert,) = rows(db)
    assert alert.next_attempt_at == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def test_a_digest_due_in_quiet_hours_goes_out_when_they_end(
    db: Database, hook: Any, store: Any, make_claim: Any
) -> None:
    rule = {
        "name": "overnight",
        "min_score": 0.5,
        "mode": "digest",
        "digest": {"every": "daily", "at": "03:00"},
        "timezone": "Europe/Berlin",
        "quiet_hours": {"start": "22:00", "end": "07:00"},
        "notify": [hook.target()],
    }
    settings = alerts_cfg(rule)
    store(db, [make_claim("NVIDIA fell 17%")])
    enqueue_alerts(db, settings.alerts, now=datetime(2026, 11, 24, 20, 0, tzinfo=UTC))
    night = datetime(2026, 11, 25, 2, 5, tzinfo=UTC)  # 03:05 in Berlin: the period has ended, quiet hours hold it
    report = send_digests(db, settings.alerts, now=night)
    assert len(report.queued) == 1 and report.delivery.deliveries == [] and hook.received == []
    (digest,) = rows(db, "digest")
    assert digest.next_attempt_at == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    # later calls in the night neither send it nor queue the period again
    assert send_digests(db, settings.alerts, now=night + timedelta(hours=2)).queued == [] and hook.received == []
    morning = send_digests(db, settings.alerts, now=datetime(2026, 11, 25, 6, 0, 30, tzinfo=UTC))
    assert morning.delivery.sent == 1 and "NVIDIA fell 17%" in hook.received[0]["message"]


def test_a_failed_digest_retry_falling_in_quiet_hours_waits_for_their_end(
    db: Database, hook: Any, store: Any, make_claim: Any
) -> None:
    rule = {
        "name": "evening",
        "min_score": 0.5,
        "mode": "digest",
        "digest": {"every": "daily", "at": "21:59"},
        "quiet_hours": {"start": "22:00", "end": "07:00"},
        "notify": [hook.target()],
    }
    settings = alerts_cfg(rule)
    store(db, [make_claim("NVIDIA fell 17%")])
    enqueue_alerts(db, settings.alerts, now=datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    hook.mode = "fail"
    report = send_digests(db, settings.alerts, now=datetime(2026, 11, 25, 21, 59, 50, tzinfo=UTC))
    assert report.delivery.failed == 1
    (digest,) = rows(db, "digest")
    assert digest.next_attempt_at == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
