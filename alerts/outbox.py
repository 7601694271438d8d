"""Enqueue alerts for new claims (idempotent) and deliver the ones that are due."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chipwatch.alerts.messages import render_alert
from chipwatch.alerts.notify import send, target_hash
from chipwatch.alerts.rules import rule_matches
from chipwatch.redact import mask_url
from chipwatch.settings import AlertRule
from chipwatch.storage import alerts as outbox
from chipwatch.storage.claims import claims_awaiting_rules
from chipwatch.storage.db import Database
from chipwatch.storage.types import utcnow

log = logging.getLogger(__name__)

RETRY_FIRST = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)

Sender = Callable[[str, str, str], "str | None"]


@dataclass
class Delivery:
    alert_id: int
    rule: str
    target: str  # masked
    title: str
    error: str | None


@dataclass
class DeliveryReport:
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(1 for d in self.deliveries if d.error is None)

    @property
    def failed(self) -> int:
        return sum(1 for d in self.deliveries if d.error is not None)


def dedup_key(rule: str, claim_fingerprint: str, url: str) -> str:
    """One alert per (rule, claim, target), whatever reruns or retries happen."""
    return hashlib.sha256(f"{rule}\n{claim_fingerprint}\n{target_hash(url)}".encode()).hexdigest()


def enqueue_alerts(db: Database, rules: Sequence[AlertRule], batch: int = 1000) -> list[int]:
    """Evaluate every rule on each claim not evaluated yet; queue one row per matching target.
    The claim is marked evaluated in the same transaction, so this is safe to rerun at any point."""
    new_ids: list[int] = []
    while True:
        with db.session() as session, session.begin():
            waiting = claims_awaiting_rules(session, limit=batch)
            if not waiting:
                return new_ids
            rows = []
            for item in waiting:
                c = item.claim
                claim = {
                    "text": c.text,
                    "entities": c.entities,
                    "topics": c.topics,
                    "stance": c.stance,
                    "quantities": c.quantities,
                    "score": c.score,
                    "why": c.why,
                }
                for rule in rules:
                    if not rule_matches(rule, score=c.score, entities=c.entities):
                        continue
                    for url in rule.notify:
                        key = dedup_key(rule.name, c.fingerprint, url)
                        title, body = render_alert(
                            rule=rule.name,
                            claim=claim,
                            article_url=item.article_url,
                            article_title=item.article_title,
                            source=item.source,
                            dedup_key=key,
                        )
                        rows.append(
                            {
                                "dedup_key": key,
                                "rule": rule.name,
                                "claim_id": c.id,
                                "target_hash": target_hash(url),
                                "target": mask_url(url),
                                "title": title,
                                "body": body,
                            }
                        )
            new_ids += outbox.enqueue(session, rows, [i.claim for i in waiting])


def deliver_due(
    db: Database, rules: Sequence[AlertRule], sender: Sender = send, now: datetime | None = None
) -> DeliveryReport:
    """Send every alert that is due, one target at a time, recording each outcome on its row."""
    urls = {target_hash(url): url for rule in rules for url in rule.notify}
    report = DeliveryReport()
    with db.session() as session:
        due = [
            (a.id, a.rule, a.target_hash, a.target, a.title, a.body, a.attempts) for a in outbox.due(session, now=now)
        ]
    for alert_id, rule, thash, masked, title, body, attempts in due:
        url = urls.get(thash)
        if url is None:
            error = "its target is no longer in the config; add it back or retry the alert elsewhere"
        else:
            error = sender(url, title, body)
        retry_at = utcnow() + min(RETRY_FIRST * (2**attempts), RETRY_CAP) if error else None
        with db.session() as session, session.begin():
            outbox.record_delivery(session, alert_id, error=error, retry_at=retry_at)
        if error:
            log.warning("alert %s to %s failed: %s", alert_id, masked, error)
        report.deliveries.append(Delivery(alert_id, rule, masked, title, error))
    return report
