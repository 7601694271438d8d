"""Alerts people read: one message per (article, rule, target) listing its matching claims best first, a
title that states the fact, a follow-up for claims a refetch adds, and exactly-once per (rule, claim, target)
underneath (real apprise deliveries into a loopback receiver, on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.config import settings_from_dict
from chipwatch.storage.claims import add_claims
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert, AlertClaim, Article, Claim

REVENUE = "NVIDIA reported third-quarter revenue of $35.1 billion, up 94% from a year ago."
MARGIN = "NVIDIA said gross margin slipped to 73% in the quarter."
DULL = "NVIDIA will hold its developer conference in March."


def settings(*urls: str, **alerts: Any) -> Any:
    rule = {"name": "notable", "min_score": 0.5, "notify": list(urls)}
    return settings_from_dict({"alerts": {"rules": [rule], **alerts}}).alerts


def _revenue(make_claim: Any, score: float = 0.9) -> dict[str, Any]:
    quantities = [
        {"value": 35100000000, "unit": "USD", "text": "$35.1 billion"},
        {"value": 94, "unit": "%", "text": "94%"},
    ]
    return make_claim(REVENUE, stance="bullish", score=score, quantities=quantities)


def _article_of(db: Database, claim_id: int) -> tuple[int, str]:
    with db.session() as s:
        art = s.scalars(select(Article).join(Claim, Claim.article_id == Article.id).where(Claim.id == claim_id)).one()
        return art.id, art.canonical_url


def test_one_message_per_article_lists_its_claims_best_first(
    db: Database, hook: Any, store: Any, make_claim: Any
) -> None:
    margin = make_claim(MARGIN, score=0.7, quantities=[{"value": 73, "unit": "%", "text": "73%"}])
    first_ids = store(db, [margin, _revenue(make_claim), make_claim(DULL, score=0.6)], one_article=True)
    store(db, [make_claim("TSMC capex rises", entities=["TSMC"])], slug="other")
    cfg = settings(hook.target())
    assert len(enqueue_alerts(db, cfg)) == 2  # two articles, two messages (not four)
    assert enqueue_alerts(db, cfg) == []
    assert deliver_due(db, cfg).sent == 2
    nvidia = next(m for m in hook.received if "NVIDIA" in m["title"])
    assert nvidia["title"] == "NVIDIA Q3 revenue US$35.1B, +94% y/y · bullish · wire · +2 more claims"
    body = nvidia["message"]
    order = [body.index(t) for t in (REVENUE, MARGIN, DULL)]
    assert order == sorted(order)  # best first: scores 0.9, 0.7, 0.6
    assert "Numbers: USD 35.1 billion; 94%" in body and "Numbers: 73%" in body
    article_id, url = _article_of(db, first_ids[0])
    assert f"Link: {url}" in body
    assert f"Dashboard: http://127.0.0.1:8000/articles/{article_id}" in body
    with db.session() as s:
        records = {(r.claim_id, r.alert_key) for r in s.scalars(select(AlertClaim))}
        row = s.scalars(select(Alert).where(Alert.claim_id == first_ids[1])).one()
    assert {c for c, _ in records} >= set(first_ids)  # a record per claim under the grouped row
    assert {k for c, k in records if c in first_ids} == {row.dedup_key}
    assert row.claim_id == first_ids[1]  # the row names its best claim


def test_claims_a_refetch_adds_come_as_one_follow_up(db: Database, hook: Any, store: Any, make_claim: Any) -> None:
    (first,) = store(db, [_revenue(make_claim)])
    cfg = settings(hook.target(), dashboard_url="https://watch.example.com/")
    enqueue_alerts(db, cfg)
    deliver_due(db, cfg)
    article_id, url = _article_of(db, first)
    with db.session() as s, s.begin():  # the article changed at its source: two new sentences
        added = [make_claim(MARGIN, score=0.7), make_claim("NVIDIA Blackwell demand is insane", score=0.8)]
        add_claims(s, article_id, url, "en", added)
    assert len(enqueue_alerts(db, cfg)) == 1
    assert deliver_due(db, cfg).sent == 1
    follow = hook.received[1]
    assert follow["title"].startswith("Update: NVIDIA: NVIDIA Blackwell demand") and "+1 more claim" in follow["title"]
    assert REVENUE not in follow["message"] and MARGIN in follow["message"]
    assert f"Dashboard: https://watch.example.com/articles/{article_id}" in follow["message"]


def test_a_claim_is_never_alerted_twice_to_a_target_even_when_evaluated_again(
    db: Database, hook: Any, store: Any, make_claim: Any
) -> None:
    ids = store(db, [_revenue(make_claim), make_claim(MARGIN)], one_article=True)
    cfg = settings(hook.target())
    enqueue_alerts(db, cfg)
    with db.session() as s, s.begin():  # as a restore or a crash-rerun would: the rules see the claims again
        s.execute(update(Claim).where(Claim.id.in_(ids)).values(rules_evaluated=False))
    assert enqueue_alerts(db, cfg) == []
    # A second target added to the rule later gets its own message; the first target nothing more.
    other = hook.target(rto=2)
    assert len(enqueue_alerts(db, settings(hook.target(), other))) == 0  # nothing left unevaluated
    with db.session() as s, s.begin():
        s.execute(update(Claim).where(Claim.id.in_(ids)).values(rules_evaluated=False))
    assert len(enqueue_alerts(db, settings(hook.target(), other))) == 1
    assert deliver_due(db, settings(hook.target(), other)).sent == 2
    assert len(hook.received) == 2 and len(set(hook.ids())) == 2


def test_no_dashboard_link_when_none_is_configured(db: Database, hook: Any, store: Any, make_claim: Any) -> None:
    store(db, [_revenue(make_claim)])
    cfg = settings(hook.target(), dashboard_url=None)
    enqueue_alerts(db, cfg)
    deliver_due(db, cfg)
    assert "Dashboard:" not in hook.received[0]["message"]
