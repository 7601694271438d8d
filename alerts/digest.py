"""Digests: the claims a rule collected (digest rules, and throttle overflow of immediate rules) go out
together once per period, in the rule's time zone.

Idempotent per period: a digest row's dedup key is (rule, period end, target), and the items it lists are
marked with the period in the same transaction, so rerunning `send_digests` in the same period sends nothing
new; items that arrive after the period's end wait for the next one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chipwatch.alerts.delivery import DeliveryReport, deliver_due
from chipwatch.alerts.enqueue import facts
from chipwatch.alerts.messages import render_digest
from chipwatch.alerts.notify import native_format, target_hash
from chipwatch.alerts.schedule import digest_slot, quiet_until
from chipwatch.alerts.targets import rule_urls
from chipwatch.config import AlertRule, AlertSettings
from chipwatch.redact import mask_target
from chipwatch.storage import outbox
from chipwatch.storage.claims import claims_by_ids
from chipwatch.storage.db import Database
from chipwatch.storage.types import utcnow


@dataclass
class DigestReport:
    queued: list[int] = field(default_factory=list)  # new outbox rows, one per (digest, target)
    digests: list[str] = field(default_factory=list)  # digest keys queued in this call
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def digest_dedup_key(rule: str, period_end: datetime, url: str) -> str:
    return hashlib.sha256(f"digest\n{rule}\n{period_end.isoformat()}\n{target_hash(url)}".encode()).hexdigest()


def _period_label(rule: AlertRule, period_end: datetime) -> str:
    return period_end.astimezone(ZoneInfo(rule.timezone)).strftime("%Y-%m-%d %H:%M %Z")


def queue_digests(db: Database, alerts: AlertSettings, now: datetime | None = None) -> DigestReport:
    """Queue one outbox row per target for every rule whose digest period has ended and holds items."""
    now = now or utcnow()
    report = DigestReport()
    for rule in alerts.rules:
        period_end = digest_slot(rule, now)
        key = f"{rule.name}@{period_end.isoformat()}"
        with db.session() as session, session.begin():
            if outbox.digest_exists(session, key):
                continue  # this period went out already; later items belong to the next one
            items = outbox.take_digest_items(session, rule.name, period_end, key)
            if not items:
                continue
            throttled = {i.claim_id for i in items if i.reason == "throttled"}
            claims = [(facts(c), c.claim.id in throttled) for c in claims_by_ids(session, [i.claim_id for i in items])]
            # A digest whose period ends inside the rule's quiet hours (a daily 03:00 digest, an hourly one
            # at night) is queued now, so its period and items are fixed, and sent when the quiet hours end.
            hold = quiet_until(rule, now)
            rows: list[dict[str, Any]] = []
            for url in rule_urls(alerts, rule):
                dkey = digest_dedup_key(rule.name, period_end, url)
                fmt = native_format(url)
                title, body = render_digest(rule, claims, _period_label(rule, period_end), dkey, fmt)
                rows.append(
                    {
                        "dedup_key": dkey,
                        "rule": rule.name,
                        "claim_id": None,
                        "kind": "digest",
                        "digest_key": key,
                        "target_hash": target_hash(url),
                        "target": mask_target(url),
                        "title": title,
                        "body": body,
                        "body_format": fmt,
                        "next_attempt_at": hold,
                    }
                )
            report.queued += outbox.enqueue(session, rows, [], now=now)
            report.digests.append(key)
    return report


def send_digests(db: Database, alerts: AlertSettings, now: datetime | None = None) -> DigestReport:
    """Queue the digests that are due and deliver what is due in the outbox (the Prefect `digest` flow calls this).
    Safe to call as often as you like: each digest period goes out once per target."""
    report = queue_digests(db, alerts, now)
    report.delivery = deliver_due(db, alerts, now=now)
    return report
