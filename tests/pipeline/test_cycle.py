"""A whole cycle against a loopback site and a loopback apprise receiver, on SQLite and PostgreSQL."""

from typing import Any

from chipwatch.cli.loopback import load_sample_articles
from chipwatch.config import settings_from_dict
from chipwatch.pipeline.cycle import run_cycle
from chipwatch.storage.db import Database
from chipwatch.storage.export import export_rows

NOTABLE = (
    "<html><head><meta charset='utf-8'><title>英伟达暴跌</title></head><body><article><h1>英伟达暴跌</h1>"
    "<p>美国科技股本周遭到重创，英伟达股价暴跌近17%，市值单日蒸发近6000亿美元，创下美国上市公司单日市值损失的纪录。</p>"
    "<p>分析师认为，DeepSeek把训练成本降到原来的十分之一，市场担心英伟达GPU需求放缓。</p></article></body></html>"
)


def _settings(site_url: str, target: str) -> Any:
    return settings_from_dict(
        {
            "sources": [{"name": "samples", "kind": "feed", "url": f"{site_url}/feed.xml"}],
            "alerts": [{"name": "notable", "min_score": 0.5, "notify": [target]}],
            "http": {"allow_private_networks": True},
        }
    )


def _rows(db: Database, kind: str) -> list[dict[str, Any]]:
    with db.session() as s:
        return list(export_rows(s, kind))


def test_cycle_stores_analyses_and_alerts_once(db: Database, sample_site: Any, receiver: Any) -> None:
    url, rec = receiver
    site = sample_site
    settings = _settings(site.url, url)

    first = run_cycle(db, settings)
    articles, claims, alerts = _rows(db, "articles"), _rows(db, "claims"), _rows(db, "alerts")
    assert len(articles) == len(load_sample_articles()) == first.processing.processed
    assert {a["language"] for a in articles} >= {"zh", "ja", "en"}
    assert any("英伟达" in a["text"] for a in articles if a["title"].startswith("王维嘉"))  # GBK page decoded
    assert claims and all(c["article_url"].startswith(site.url) for c in claims)
    assert len(rec.received) == len(alerts) == first.delivery.sent > 0
    assert all(a["state"] == "sent" for a in alerts)
    assert "Alert-Id:" in rec.received[0]["message"]

    second = run_cycle(db, settings)
    assert sum(len(p.new_article_ids) for p in second.polls) == 0
    assert second.processing.processed == 0 and second.alerts_queued == 0 and second.delivery.deliveries == []
    assert len(_rows(db, "articles")) == len(articles) and len(rec.received) == len(alerts)


def test_a_down_target_delays_alerts_and_a_recovered_one_gets_each_once(db: Database, site: Any, receiver: Any) -> None:
    url, rec = receiver
    site.routes["/feed.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        (
            f'<rss version="2.0"><channel><title>t</title><item><title>英伟达暴跌</title>'
            f"<link>{site.url}/a/1</link><guid>n-1</guid></item></channel></rss>"
        ).encode(),
    )
    site.routes["/a/1"] = (200, {"Content-Type": "text/html; charset=utf-8"}, NOTABLE.encode())
    settings = _settings(site.url, url)

    rec.fail = True
    first = run_cycle(db, settings)
    assert first.delivery.sent == 0 and first.delivery.failed > 0
    failed = _rows(db, "alerts")
    assert all(a["state"] == "failed" and a["last_error"] for a in failed)

    rec.fail = False
    from datetime import timedelta

    from chipwatch.alerts.delivery import deliver_due
    from chipwatch.storage.types import utcnow

    report = deliver_due(db, settings.alerts, now=utcnow() + timedelta(hours=2))
    assert report.sent == len(failed) == len(rec.received)
    again = deliver_due(db, settings.alerts, now=utcnow() + timedelta(hours=4))
    assert again.deliveries == [] and len(rec.received) == len(failed)


def test_a_broken_source_is_recorded_and_the_others_still_run(db: Database, sample_site: Any, receiver: Any) -> None:
    url, _rec = receiver
    site = sample_site
    site.routes["/broken.xml"] = (200, {"Content-Type": "text/html"}, b"<html><body>not a feed</body></html>")
    settings = settings_from_dict(
        {
            "sources": [
                {"name": "broken", "kind": "feed", "url": f"{site.url}/broken.xml"},
                {"name": "dead", "kind": "feed", "url": "http://127.0.0.1:9/feed.xml"},
                {"name": "samples", "kind": "feed", "url": f"{site.url}/feed.xml"},
            ],
            "alerts": [{"name": "notable", "min_score": 0.5, "notify": [url]}],
            "http": {"allow_private_networks": True, "connect_timeout": 1},
        }
    )
    report = run_cycle(db, settings)
    errors = {p.source: p.error for p in report.polls}
    assert "feed" in (errors["broken"] or "") and "cannot fetch" in (errors["dead"] or "")
    assert errors["samples"] is None and report.processing.processed == len(load_sample_articles())
    from chipwatch.storage.sources import source_summaries

    with db.session() as s:
        summary = {r["name"]: r for r in source_summaries(s)}
    assert summary["broken"]["status"] == "error" and summary["broken"]["last_error"]
    assert summary["samples"]["status"] == "ok" and summary["samples"]["articles"] == len(load_sample_articles())
