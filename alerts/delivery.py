"""Deliver the alerts that are due, crash-safe, and record each outcome on its outbox row.

Delivery protocol per row: claim it (`sending`, with a lease, committed), send, record the outcome:
`sent`; `failed` when the request never reached the target or it answered with an error (retried with
backoff: retry_first, doubling up to retry_cap); `unknown` when the request was sent and no answer came
within the target's timeout, or the connection closed first (the target may have the alert: retried with the
same backoff but never sooner than the lease); `dead` after max_attempts. A batch claims no more rows than can
be sent one after the other, each waiting its longest, before the lease ends.

A crash before the send leaves the row `sending`; after the lease it is taken again and sent once: no loss.
A crash after the outcome is recorded leaves nothing to do: no repeat.

The repeat window, exactly: an alert reaches a target more than once only when chipwatch cannot know that the
target has it, in two cases.
- `unknown`: the target took longer than its timeout to answer (or dropped the connection). The next attempt
  starts max(backoff, lease) after this one ended: with the defaults 5, 5, 5, 5, 8, 16 and 32 min, so at most
  max_attempts (8) posts over about 76 min, after which the row is `dead`.
- A crash (or a lost database) after the target accepted and before the `sent` commit. The row is taken again
  once its lease has run out, `lease` after it was claimed (a batch is sized so every send in it ends before).
A `failed` row is retried on the plain backoff: the target refused the connection or answered with an error.
Every post of an alert carries the same key, so a receiver can drop the repeat: `Alert-Id: ...` in the body,
and for json/form/xml targets the payload field `alert_id` and the headers `Idempotency-Key` and
`X-Chipwatch-Alert` (alerts/notify.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chipwatch.alerts.notify import BodyFormat, SendFailure, send, target_hash
from chipwatch.alerts.rules import rule_named
from chipwatch.alerts.schedule import quiet_until
from chipwatch.alerts.targets import all_urls
from chipwatch.config import AlertSettings, DeliveryTimeouts
from chipwatch.storage import outbox
from chipwatch.storage.db import Database
from chipwatch.storage.types import utcnow
from chipwatch.workers import new_worker_id

log = logging.getLogger(__name__)

# sender(url, title, body, body_format, dedup_key, timeouts) -> None when delivered, else why not
Sender = Callable[[str, str, str, BodyFormat, str, DeliveryTimeouts], "SendFailure | None"]


@dataclass
class Delivery:
    alert_id: int
    rule: str
    target: str  # masked
    title: str
    error: str | None
    state: str | None = None  # sent | failed | unknown | dead; None when the lease was lost to another worker


@dataclass
class DeliveryReport:
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(1 for d in self.deliveries if d.error is None)

    @property
    def failed(self) -> int:
        """Attempts that did not deliver, `unknown` ones included."""
        return sum(1 for d in self.deliveries if d.error is not None)

    @property
    def unknown(self) -> int:
        """Attempts that were sent and got no answer in time: the target may have them."""
        return sum(1 for d in self.deliveries if d.state == "unknown")

    @property
    def dead(self) -> int:
        return sum(1 for d in self.deliveries if d.state == "dead")


def retry_delay(cfg: AlertSettings, attempts: int) -> timedelta:
    """Exponential backoff: retry_first after the first failure, doubling up to retry_cap."""
    return min(cfg.retry_first * (2 ** max(attempts - 1, 0)), cfg.retry_cap)


def next_try(
    cfg: AlertSettings, rule_name: str, attempts: int, at: datetime, maybe_delivered: bool = False
) -> datetime:
    """When a failed row is due again: after the backoff (for a send that may have arrived, never sooner than
    the lease), and not inside its rule's quiet hours (a retry falling there waits for their end, like a new
    alert or digest would)."""
    delay = retry_delay(cfg, attempts)
    retry_at = at + (max(delay, cfg.lease) if maybe_delivered else delay)
    rule = rule_named(cfg, rule_name)
    if rule is not None:
        retry_at = quiet_until(rule, retry_at) or retry_at
    return retry_at


def sends_per_lease(cfg: AlertSettings, timeouts: Iterable[DeliveryTimeouts]) -> int:
    """How many rows one claim may take: all of them must be sent, one after the other and each waiting its
    longest, before their shared lease ends, or another worker takes the last ones while they wait here."""
    longest = max((t.longest for t in timeouts), default=cfg.timeout.total_seconds())
    return max(1, int(cfg.lease.total_seconds() // longest))


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
    due when it is pending, failed or unknown with its retry time reached, or `sending` with an expired lease.
    `limit` caps how many rows this call sends (None: until nothing is due).
    """
    urls = {target_hash(url): url for url in all_urls(cfg)}
    timeouts = {url: cfg.timeouts_for(url) for url in urls.values()}
    batch = min(batch, sends_per_lease(cfg, timeouts.values()))
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
                failure: SendFailure | None = SendFailure(
                    "its target is no longer in the config; add it back, then `chipwatch alerts retry`"
                )
            else:
                failure = sender(url, title, body, fmt, key, timeouts[url])
            error = failure.reason if failure else None
            maybe = failure.maybe_delivered if failure else False
            at = now or utcnow()
            with db.session() as session, session.begin():
                state = outbox.finish(
                    session,
                    alert_id,
                    worker,
                    error=error,
                    retry_at=next_try(cfg, rule, attempts, at, maybe) if failure else None,
                    max_attempts=cfg.max_attempts,
                    now=at,
                    maybe_delivered=maybe,
                )
            if error:
                log.warning("alert %s to %s failed (attempt %s): %s", alert_id, masked, attempts, error)
            if state is None:
                log.warning("alert %s: lease lost to another worker; its outcome is theirs to record", alert_id)
            report.deliveries.append(Delivery(alert_id, rule, masked, title, error, state))
    return report
