"""Evaluate alert rules on new claims and queue what fires: one outbox row per (rule, claim, target) for immediate
rules, a digest item for digest rules and throttle overflow. Idempotent: safe to rerun at any point."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from chipwatch.alerts.messages import body_format_for, render_alert
from chipwatch.alerts.notify import native_format, target_hash
from chipwatch.alerts.novelty import NoveltyGate
from chipwatch.alerts.rules import ClaimFacts, rule_matches
from chipwatch.alerts.schedule import quiet_until
from chipwatch.alerts.targets import rule_urls
from chipwatch.alerts.throttle import Throttle
from chipwatch.config import AlertRule, AlertSettings
from chipwatch.redact import mask_target
from chipwatch.storage import outbox
from chipwatch.storage.claim_context import ClaimInContext
from chipwatch.storage.claims import claims_awaiting_rules
from chipwatch.storage.db import Database
from chipwatch.storage.types import utcnow


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
        "target": mask_target(url),
        "title": title,
        "body": body,
        "body_format": fmt,
        "next_attempt_at": hold_until,
    }


def enqueue_alerts(db: Database, alerts: AlertSettings, batch: int = 1000, now: datetime | None = None) -> list[int]:
    """Evaluate every rule on each claim not evaluated yet and queue what fires: one outbox row per
    (rule, claim, target) for immediate rules, a digest item for digest rules and for throttle overflow.
    Quiet hours hold a row until they end. The claim is marked evaluated in the same transaction, so
    this is safe to rerun at any point. Returns the ids of the new outbox rows."""
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
            batch_facts = [facts(item) for item in waiting]
            gate = NoveltyGate(session, batch_facts)
            for claim in batch_facts:
                for rule in alerts.rules:
                    if not rule_matches(rule, claim):
                        continue
                    if rule.mode == "digest":
                        items.append({"rule": rule.name, "claim_id": claim.id, "reason": "digest"})
                        continue
                    news = gate.admit(rule, claim)  # novelty: new lets only news through as alerts
                    if news is None:
                        items.append({"rule": rule.name, "claim_id": claim.id, "reason": "repeat"})
                    elif not throttle.allow(rule):
                        items.append({"rule": rule.name, "claim_id": claim.id, "reason": "throttled"})
                    else:
                        hold = quiet_until(rule, now)
                        rows += [_alert_row(rule, news, url, hold) for url in rule_urls(alerts, rule)]
            new_ids += outbox.enqueue(session, rows, [i.claim for i in waiting], items, now=now)
