"""Novelty-gated alert rules (`novelty: new`) against real deliveries to a loopback receiver, on SQLite and
PostgreSQL: news goes out once, repeats of an alerted fact go into the digest, `novelty: any` is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.digest import send_digests
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.config import ConfigError, settings_from_dict
from chipwatch.storage.db import Database
from chipwatch.storage.models import DigestItem

B = 1_000_000_000
T = datetime(2026, 11, 25, 9, 10, tzinfo=UTC)


def revenue(text: str, value: float, **extra: Any) -> dict[str, Any]:
    q = {"value": value, "unit": "USD", "text": "x", "metric": "revenue", "period": "FY2026Q2", "entity": "NVIDIA"}
    return {"text": text, "stance": "neutral", "quantities": [q], **extra}


def settings(hook: Any, *rules: dict[str, Any]) -> Any:
    base = {"min_score": 0.5, "notify": [hook.url]}
    return settings_from_dict({"alerts": {"rules": [{**base, **r} for r in rules]}}).alerts


def run(db: Database, alerts: Any, when: datetime) -> int:
    enqueue_alerts(db, alerts, now=when)
    return deliver_due(db, alerts, now=when).sent


def by_rule(hook: Any, rule: str) -> list[dict[str, Any]]:
    return [p for p in hook.received if f"Rule: {rule}" in p["message"]]


def test_news_alerts_once_and_repeats_go_to_the_digest(db: Database, hook: Any, store: Any, make_claim: Any) -> None:
    alerts = settings(hook, {"name": "news", "novelty": "new"}, {"name": "all"})
    store(db, [make_claim(**revenue("英伟达第二财季营收467亿美元", 46.7 * B))], language="zh", source="cn", slug="1")
    assert run(db, alerts, T) == 2
    (first,) = by_rule(hook, "news")
    assert "new fact: cluster of 1 claim in zh, first from cn" in first["message"]
    assert "cluster of" not in by_rule(hook, "all")[0]["message"]  # novelty: any says what it said before

    store(
        db, [make_claim(**revenue("エヌビディアの売上高は467億ドル", 46.7 * B))], language="ja", source="jp", slug="2"
    )
    store(db, [make_claim(**revenue("Nvidia Q2 revenue $46.74 billion", 46.74 * B))], source="us", slug="3")
    assert run(db, alerts, T + timedelta(minutes=1)) == 2  # only `all` alerts on the repeats
    assert len(by_rule(hook, "news")) == 1 and len(by_rule(hook, "all")) == 3

    store(db, [make_claim(**revenue("NVDA revenue only $44 billion", 44 * B))], source="forum", slug="4")
    assert run(db, alerts, T + timedelta(minutes=2)) == 2  # a contradiction is news
    news = by_rule(hook, "news")
    assert len(news) == 2 and "contradiction: cluster of 1 claim in en, first from forum" in news[1]["message"]

    # exactly once: running again sends nothing
    assert run(db, alerts, T + timedelta(minutes=3)) == 0 and len(hook.received) == 6
    with db.session() as s:
        repeats = s.scalars(select(DigestItem).where(DigestItem.rule == "news")).all()
        assert sorted(i.reason for i in repeats) == ["repeat", "repeat"]
    report = send_digests(db, alerts, now=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    digest = [p for p in hook.received[6:] if "news digest" in p["title"]]
    assert report.delivery.sent >= 1 and len(digest) == 1
    assert "エヌビディア" in digest[0]["message"] and "46.74 billion" in digest[0]["message"]


def test_claims_of_one_fact_in_one_batch_alert_once(db: Database, hook: Any, store: Any, make_claim: Any) -> None:
    alerts = settings(hook, {"name": "news", "novelty": "new"})
    store(db, [make_claim(**revenue("营收467亿美元", 46.7 * B))], language="zh", source="cn", slug="1")
    store(db, [make_claim(**revenue("revenue $46.7 billion", 46.7 * B))], source="us", slug="2")
    assert run(db, alerts, T) == 1
    assert "new fact: cluster of 2 claims in en, zh, first from cn" in hook.received[0]["message"]


def test_a_fact_the_rule_has_not_alerted_on_yet_alerts_once(
    db: Database, hook: Any, store: Any, make_claim: Any
) -> None:
    """The first claim of the fact did not match the rule (score too low): the first one that does alerts."""
    alerts = settings(hook, {"name": "news", "novelty": "new", "min_score": 0.7})
    store(db, [make_claim(**revenue("营收467亿美元", 46.7 * B), score=0.6)], language="zh", source="cn", slug="1")
    assert run(db, alerts, T) == 0
    store(db, [make_claim(**revenue("revenue $46.7 billion", 46.7 * B))], source="us", slug="2")
    store(db, [make_claim(**revenue("revenue of $46.7bn", 46.7 * B))], source="blog", slug="3")
    assert run(db, alerts, T + timedelta(minutes=1)) == 1
    assert "first alert on this fact: cluster of 3 claims in en, zh, first from cn" in hook.received[0]["message"]


def test_an_unknown_novelty_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="novelty"):
        settings_from_dict(
            {"alerts": {"rules": [{"name": "x", "notify": ["json://127.0.0.1:9/"], "novelty": "often"}]}}
        )
