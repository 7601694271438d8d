"""Evaluate alert rules on new claims and queue what fires: one outbox row per (rule, article, target) listing the
article's matching claims best first, for immediate rules; a digest item per claim for digest rules and throttle
overflow. Idempotent: safe to rerun at any point.

The steps per rule: the per-claim filter (`claims_for_rule`: the rule's conditions; a further per-claim gate
belongs there), then grouping by article (`by_article`), then one message per group and target. Exactly-once per
(rule, claim, target) is kept by the per-claim records of storage/alert_claims.py: a claim already recorded is
left out of the message, and a group with no claim left queues nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chipwatch.alerts.messages import ArticleAlert, best_first, body_format_for, render_article_alert
from chipwatch.alerts.notify import native_format, target_hash
from chipwatch.alerts.novelty import NoveltyGate
from chipwatch.alerts.rules import ClaimFacts, rule_matches
from chipwatch.alerts.schedule import quiet_until
from chipwatch.alerts.targets import rule_urls
from chipwatch.alerts.throttle import Throttle
from chipwatch.config import AlertRule, AlertSettings
from chipwatch.redact import mask_target
from chipwatch.storage import alert_claims, outbox
from chipwatch.storage.claim_context import ClaimInContext
from chipwatch.storage.claims import claims_awaiting_rules
from chipwatch.storage.db import Database
from chipwatch.storage.types import utcnow


def dedup_key(rule: str, claim_fingerprints: Iterable[str], url: str, at: datetime) -> str:
    """The outbox row's key (receivers drop repeats by it): its rule, target, claims and the time it was queued.
    The time makes a fresh row for claims whose earlier row was cancelled; what keeps a claim from being alerted
    twice is its per-claim record, not this key."""
    listed = "\n".join(sorted(claim_fingerprints))
    return hashlib.sha256(f"{rule}\n{target_hash(url)}\n{at.isoformat()}\n{listed}".encode()).hexdigest()


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
        article_id=c.article_id,
    )


def claims_for_rule(rule: AlertRule, claims: list[ClaimFacts]) -> list[ClaimFacts]:
    """The per-claim filter: the claims the rule fires on, before they are grouped into messages."""
    return [c for c in claims if rule_matches(rule, c)]


def by_article(claims: list[ClaimFacts]) -> list[list[ClaimFacts]]:
    """The claims grouped by article (in order of each article's first claim), each group best first."""
    groups: dict[tuple[int | None, str], list[ClaimFacts]] = {}
    for c in claims:
        groups.setdefault((c.article_id, c.article_url), []).append(c)
    return [best_first(g) for g in groups.values()]


def _alert_rows(
    session: Session, alerts: AlertSettings, rule: AlertRule, groups: list[list[ClaimFacts]], now: datetime
) -> list[dict[str, Any]]:
    """One outbox row per (group, target) for the group's claims not alerted to that target before. Two queries
    per target, whatever the number of groups: reserve every claim, then ask which articles had alerts before."""
    hold = quiet_until(rule, now)
    rows = []
    for url in rule_urls(alerts, rule):
        thash = target_hash(url)
        keyed = [(dedup_key(rule.name, [c.fingerprint for c in g], url, now), g) for g in groups]
        fresh = alert_claims.reserve(session, rule.name, thash, [(k, [c.id for c in g]) for k, g in keyed])
        chosen = [(k, [c for c in g if c.id in fresh]) for k, g in keyed]
        chosen = [(k, claims) for k, claims in chosen if claims]
        articles = [claims[0].article_id for _k, claims in chosen if claims[0].article_id is not None]
        earlier = alert_claims.articles_alerted_before(session, rule.name, thash, articles, sorted(fresh))
        fmt = body_format_for(rule, native_format(url))
        for key, claims in chosen:
            follow_up = claims[0].article_id in earlier
            alert = ArticleAlert(claims, follow_up=follow_up, dashboard_url=alerts.dashboard_url)
            title, body = render_article_alert(rule, alert, key, fmt)
            rows.append(
                {
                    "dedup_key": key,
                    "rule": rule.name,
                    "claim_id": claims[0].id,  # the best claim: what the outbox lists and the throttle counts
                    "kind": "immediate",
                    "target_hash": thash,
                    "target": mask_target(url),
                    "title": title,
                    "body": body,
                    "body_format": fmt,
                    "next_attempt_at": hold,
                }
            )
    return rows


def _whole_articles(waiting: list[ClaimInContext], batch: int) -> list[ClaimInContext]:
    """A full batch may end inside an article: leave that article's claims for the next batch, so one article
    makes one message (unless a single article fills the whole batch)."""
    if len(waiting) < batch:
        return waiting
    last = waiting[-1].claim.article_id
    kept = [w for w in waiting if w.claim.article_id != last]
    return kept or waiting


def enqueue_alerts(db: Database, alerts: AlertSettings, batch: int = 1000, now: datetime | None = None) -> list[int]:
    """Evaluate every rule on each claim not evaluated yet and queue what fires: for immediate rules one outbox row
    per (article, target) listing its matching claims, a digest item per claim for digest rules and for throttle
    overflow. Quiet hours hold a row until they end. The claims are marked evaluated in the same transaction, so
    this is safe to rerun at any point. Returns the ids of the new outbox rows."""
    now = now or utcnow()
    new_ids: list[int] = []
    while True:
        with db.session() as session, session.begin():
            waiting = _whole_articles(claims_awaiting_rules(session, limit=batch), batch)
            if not waiting:
                return new_ids
            claims = [facts(item) for item in waiting]
            throttle = Throttle(session, now)
            rows: list[dict[str, Any]] = []
            items: list[dict[str, Any]] = []
            gate = NoveltyGate(session, claims)
            for rule in alerts.rules:
                news: list[ClaimFacts] = []
                for claim in claims_for_rule(rule, claims):
                    if rule.mode == "digest":
                        items.append({"rule": rule.name, "claim_id": claim.id, "reason": "digest"})
                        continue
                    admitted = gate.admit(rule, claim)  # novelty: new lets only news through as alerts
                    if admitted is None:
                        items.append({"rule": rule.name, "claim_id": claim.id, "reason": "repeat"})
                    else:
                        news.append(admitted)
                allowed: list[list[ClaimFacts]] = []
                for group in by_article(news):
                    if not throttle.allow(rule):
                        items += [{"rule": rule.name, "claim_id": c.id, "reason": "throttled"} for c in group]
                    else:
                        allowed.append(group)
                rows += _alert_rows(session, alerts, rule, allowed, now)
            new_ids += outbox.enqueue(session, rows, [i.claim for i in waiting], items, now=now)
