"""Deliver the alerts that are due, crash-safe, and record each outcome on its outbox row.

Delivery protocol per row: claim it (`sending`, with a lease, committed), send, record `sent`/`failed`/`dead`.
- A crash before the send leaves the row `sending`; after the lease it is taken again and sent once: no loss.
- A crash after the send is recorded leaves nothing to do: no repeat.
- The one window that can repeat an alert: the target has accepted the message but the `sent` commit has not
  happened yet (the process dies while waiting for the target's answer or just before the commit). After the
  lease the row is sent again, with the same dedup key in the body (`Alert-Id: ...`) and, for json/form/xml
  targets, in the payload field `alert_id`, so a receiver can drop the repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chipwatch.alerts.notify import BodyFormat, send, target_hash
from chipwatch.alerts.rules import rule_named
from chipwatch.alerts.schedule import quiet_until
from chipwatch.alerts.targets import all_urls
from chipwatch.config import AlertSettings
from chipwatch.storage import outbox
from chipwatch.storage.db import Database
from chipwatch.storage.types import utcnow
from chipwatch.workers import new_worker_id

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


def retry_delay(cfg: AlertSettings, attempts: int) -> timedelta:
    """Exponential backoff: retry_first after the first failure, doubling up to retry_cap."""
    return min(cfg.retry_first * (2 ** max(attempts - 1, 0)), cfg.retry_cap)


def next_try(cfg: AlertSettings, rule_name: str, attempts: int, at: datetime) -> datetime:
    """When a failed row is due again: after the backoff, and not inside its rule's quiet hours (a retry
    falling there waits for their end, like a new alert or digest would)."""
    retry_at = at + retry_delay(cfg, attempts)
    rule = rule_named(cfg, rule_name)
    if rule is not None:
        retry_at = quiet_until(rule, retry_at) or retry_at
    return retry_at


def deliver_due(
    db: Database,
    cfg: AlertSettings,
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
    urls = {target_hash(url): url for url in all_urls(cfg)}
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
