"""Enqueue alerts for new claims (idempotent) and deliver the ones that are due, crash-safe.

Delivery protocol per row: claim it (`sending`, with a lease, committed), send, record `sent`/`failed`/`dead`.
- A crash before the send leaves the row `sending`; after the lease it is taken again and sent once: no loss.
- A crash after the send is recorded leaves nothing to do: no repeat.
- The one window that can repeat an alert: the target has accepted the message but the `sent` commit has not
  happened yet (the process dies while waiting for the target's answer or just before the commit). After the
  lease the row is sent again, with the same dedup key in the body (`Alert-Id: ...`) and, for json/form/xml
  targets, in the payload field `alert_id`, so a receiver can drop the repeat.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chipwatch.alerts.messages import body_format_for, render_alert
from chipwatch.alerts.notify import BodyFormat, native_format, send, target_hash
from chipwatch.alerts.rules import ClaimFacts, rule_matches
from chipwatch.alerts.schedule import quiet_until
from chipwatch.alerts.throttle import Throttle
from chipwatch.redact import mask_url
from chipwatch.settings import AlertRule, AlertSettings
from chipwatch.storage import alerts as outbox
from chipwatch.storage.claims import ClaimInContext, claims_awaiting_rules
from chipwatch.storage.db import Database
from chipwatch.storage.types import utcnow

log = logging.getLogger(__name__)

# sender(url, title, body, body_format, dedup_key) -> None when delivered, else a one-line reason
Sender = Callable[[str, str, str, BodyFormat, str], "str | None"]


@dataclass
class Delivery:
    alert_id: int
    rule: str
    target: str  # masked
    title: str
    error: str | None
    state: str | None = None  # sent | failed | dead; None when the lease was lost to another worker


@dataclass
class DeliveryReport:
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(1 for d in self.deliveries if d.error is None)

    @property
    def failed(self) -> int:
        return sum(1 for d in self.deliveries if d.error is not None)

    @property
    def dead(self) -> int:
        return sum(1 for d in self.deliveries if d.state == "dead")


def as_alert_settings(rules: AlertSettings | Sequence[AlertRule]) -> AlertSettings:
    """Accept `settings.alerts` or a plain list of rules (the first outbox cut's calling pattern)."""
    return rules if isinstance(rules, AlertSettings) else AlertSettings(rules=list(rules))


def dedup_key(rule: str, claim_fingerprint: str, url: str) -> str:
    """One alert per (rule, claim, target), whatever reruns or retries happen."""
    return hashlib.sha256(f"{rule}\n{claim_fingerprint}\n{target_hash(url)}".encode()).hexdigest()


def facts(item: ClaimInContext) -> ClaimFacts:
    c = item.claim
    return ClaimFacts(
        id=c.id,
        fingerprint=c.fingerprint,
        text=c.text,
        language=c.language,
        entities=list(c.entities or []),
        topics=list(c.topics or []),
        stance=c.stance,
        quantities=list(c.quantities or []),
        score=c.score,
        why=list(c.why or []),
        source=item.source,
        article_url=item.article_url,
        article_title=item.article_title,
    )


def _alert_row(rule: AlertRule, claim: ClaimFacts, url: str, hold_until: datetime | None) -> dict[str, Any]:
    key = dedup_key(rule.name, claim.fingerprint, url)
    fmt = body_format_for(rule, native_format(url))
    title, body = render_alert(rule, claim, key, fmt)
    return {
        "dedup_key": key,
        "rule": rule.name,
        "claim_id": claim.id,
        "kind": "immediate",
        "target_hash": target_hash(url),
        "target": mask_url(url),
        "title": title,
        "body": body,
        "body_format": fmt,
        "next_attempt_at": hold_until,
    }


def enqueue_alerts(
    db: Database, rules: AlertSettings | Sequence[AlertRule], batch: int = 1000, now: datetime | None = None
) -> list[int]:
    """Evaluate every rule on each claim not evaluated yet and queue what fires: one outbox row per
    (rule, claim, target) for immediate rules, a digest item for digest rules and for throttle overflow.
    Quiet hours hold a row until they end. The claim is marked evaluated in the same transaction, so
    this is safe to rerun at any point. Returns the ids of the new outbox rows."""
    cfg = as_alert_settings(rules)
    now = now or utcnow()
    new_ids: list[int] = []
    while True:
        with db.session() as session, session.begin():
            waiting = claims_awaiting_rules(session, limit=batch)
            if not waiting:
                return new_ids
            throttle = Throttle(session, now)
            rows: list[dict[str, Any]] = []
            items: list[dict[str, Any]] = []
            for item in waiting:
                claim = facts(item)
                for rule in cfg.rules:
                    if not rule_matches(rule, claim):
                        continue
                    if rule.mode == "digest":
                        items.append({"rule": rule.name, "claim_id": claim.id, "reason": "digest"})
                    elif not throttle.allow(rule):
                        items.append({"rule": rule.name, "claim_id": claim.id, "reason": "throttled"})
                    else:
                        hold = quiet_until(rule, now)
                        rows += [_alert_row(rule, claim, url, hold) for url in cfg.urls(rule)]
            new_ids += outbox.enqueue(session, rows, [i.claim for i in waiting], items, now=now)


def retry_delay(cfg: AlertSettings, attempts: int) -> timedelta:
    """Exponential backoff: retry_first after the first failure, doubling up to retry_cap."""
    return min(cfg.retry_first * (2 ** max(attempts - 1, 0)), cfg.retry_cap)


def next_try(cfg: AlertSettings, rule_name: str, attempts: int, at: datetime) -> datetime:
    """When a failed row is due again: after the backoff, and not inside its rule's quiet hours (a retry
    falling there waits for their end, like a new alert or digest would)."""
    retry_at = at + retry_delay(cfg, attempts)
    rule = cfg.rule(rule_name)
    if rule is not None:
        retry_at = quiet_until(rule, retry_at) or retry_at
    return retry_at


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver_due(
    db: Database,
    rules: AlertSettings | Sequence[AlertRule],
    sender: Sender = send,
    now: datetime | None = None,
    *,
    worker_id: str | None = None,
    batch: int = 10,
    limit: int | None = None,
) -> DeliveryReport:
    """Send every alert that is due, one target at a time, recording each outcome on its row.

    Rows are claimed in small batches (`claim_due`) so several workers can share the outbox; a row is
    due when it is pending, failed with its retry time reached, or `sending` with an expired lease.
    `limit` caps how many rows this call sends (None: until nothing is due).
    """
    cfg = as_alert_settings(rules)
    urls = {target_hash(url): url for url in cfg.all_urls()}
    worker = worker_id or new_worker_id()
    cutoff = now or utcnow()  # fixed per call, so a row retried in this call is not taken again by it
    report = DeliveryReport()
    while limit is None or len(report.deliveries) < limit:
        take = batch if limit is None else min(batch, limit - len(report.deliveries))
        with db.session() as session, session.begin():
            claimed = [
                (a.id, a.rule, a.target_hash, a.target, a.title, a.body, a.body_format, a.dedup_key, a.attempts)
                for a in outbox.claim_due(session, worker, cfg.lease, take, cutoff)
            ]
        if not claimed:
            break
        for alert_id, rule, thash, masked, title, body, fmt, key, attempts in claimed:
            url = urls.get(thash)
            if url is None:
                error = "its target is no longer in the config; add it back, then `chipwatch alerts retry`"
            else:
                error = sender(url, title, body, fmt, key)
            at = now or utcnow()
            with db.session() as session, session.begin():
                state = outbox.finish(
                    session,
                    alert_id,
                    worker,
                    error=error,
                    retry_at=next_try(cfg, rule, attempts, at) if error else None,
                    max_attempts=cfg.max_attempts,
                    now=at,
                )
            if error:
                log.warning("alert %s to %s failed (attempt %s): %s", alert_id, masked, attempts, error)
            if state is None:
                log.warning("alert %s: lease lost to another worker; its outcome is theirs to record", alert_id)
            report.deliveries.append(Delivery(alert_id, rule, masked, title, error, state))
    return report
