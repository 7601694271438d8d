"""Source health: one alert when a source breaks (failed polls in a row, silence past `expect_new_within`, every
page failing extraction), none per further failure, one recovery notice; delivered through the outbox to the
`health_alerts` targets or a `sources: health` rule. On SQLite and PostgreSQL, against a loopback site and a
loopback apprise receiver."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from chipwatch.config import Settings, settings_from_dict
from chipwatch.dashboard import create_app
from chipwatch.pipeline.cycle import CycleReport, finish_cycle, http_client, prepare_sources, run_cycle
from chipwatch.pipeline.health import check_sources
from chipwatch.pipeline.poll import poll_source
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert
from chipwatch.storage.sources import source_summaries
from chipwatch.storage.types import utcnow

GOOD_PAGE = (
    "<html><head><meta charset='utf-8'><title>{slug}</title></head><body><article><h1>Chip note {slug}</h1>"
    "<p>Packaging capacity at the plant will grow next year, according to people familiar with plan {slug}. "
    "The supplier said shipments of the new accelerator boards would start in the second quarter.</p>"
    "</article></body></html>"
)
EMPTY_PAGE = "<html><head><title>x</title></head><body><nav>menu</nav></body></html>"


def _feed(site: Any, slugs: list[str]) -> None:
    items = "".join(f"<item><title>{s}</title><link>{site.url}/p/{s}.html</link><guid>{s}</guid></item>" for s in slugs)
    body = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, body)


def _page(site: Any, slug: str, html: str) -> None:
    site.routes[f"/p/{slug}.html"] = (200, {"Content-Type": "text/html; charset=utf-8"}, html.encode())


def _settings(site: Any, target: str, source: dict[str, Any] | None = None, **extra: Any) -> Settings:
    data: dict[str, Any] = {
        "sources": [{"name": "watched", "kind": "feed", "url": f"{site.url}/feed.xml", **(source or {})}],
        "alerts": {"targets": {"ops": target}, "rules": [{"name": "notable", "min_score": 0.5, "notify": ["ops"]}]},
        "health_alerts": ["ops"],
        "http": {"allow_private_networks": True},
        **extra,
    }
    return settings_from_dict(data)


def _forced_cycle(db: Database, settings: Settings) -> CycleReport:
    """A cycle that polls even a source in backoff (as time passing would allow), then does the rest."""
    (source,) = prepare_sources(db, settings, only_due=False)
    with http_client(settings) as client:
        outcome = poll_source(db, client, source, force=True)
    return finish_cycle(db, settings, CycleReport(polls=[outcome]))


def _health_alerts(db: Database) -> list[Alert]:
    with db.session() as s:
        rows = list(s.scalars(select(Alert).where(Alert.kind == "health").order_by(Alert.id)))
        s.expunge_all()
        return rows


def _summary(db: Database) -> dict[str, Any]:
    with db.session() as s:
        return source_summaries(s)[0]


def test_three_failed_polls_raise_one_alert_and_a_recovery_one_notice(db: Database, site: Any, receiver: Any) -> None:
    target, rec = receiver
    settings = _settings(site, target)
    site.routes["/feed.xml"] = (500, {"Content-Type": "text/plain"}, b"broken")
    for _ in range(2):
        _forced_cycle(db, settings)
    assert _health_alerts(db) == [] and rec.received == []  # two failures: not yet
    third = _forced_cycle(db, settings)
    assert [c.change for c in third.health] == ["failing"]
    for _ in range(3):  # failing on and on: no more alerts
        assert _forced_cycle(db, settings).health == []
    (alert,) = _health_alerts(db)
    assert alert.state == "sent" and alert.claim_id is None and alert.rule == "health_alerts"
    assert len(rec.received) == 1 and "watched is failing" in rec.received[0]["title"]
    assert "failed polls in a row" in rec.received[0]["message"] and "HTTP 500" in rec.received[0]["message"]
    summary = _summary(db)
    assert summary["failing_since"] is not None and "failed polls" in summary["health"]

    _feed(site, ["back"])
    _page(site, "back", GOOD_PAGE.format(slug="back"))
    recovered = _forced_cycle(db, settings)
    assert [c.change for c in recovered.health] == ["recovered"]
    assert _forced_cycle(db, settings).health == []
    assert [a.title for a in _health_alerts(db)] == [
        "chipwatch: source watched is failing",
        "chipwatch: source watched works again",
    ]
    assert len(rec.received) == 2 and "works again" in rec.received[1]["title"]
    assert _summary(db)["failing_since"] is None and _summary(db)["health"] == "ok"


def test_a_second_episode_alerts_again_once(db: Database, site: Any, receiver: Any) -> None:
    target, rec = receiver
    settings = _settings(site, target, {"alert_after_failures": 1})
    for state in ("down", "up", "down", "down", "up"):
        if state == "down":
            site.routes["/feed.xml"] = (500, {}, b"no")
        else:
            _feed(site, [])
        _forced_cycle(db, settings)
    titles = [m["title"].rsplit(" ", 2)[-2:] for m in rec.received]
    assert titles == [["is", "failing"], ["works", "again"], ["is", "failing"], ["works", "again"]]


def test_silence_past_expect_new_within_alerts_once(db: Database, site: Any, receiver: Any) -> None:
    target, _rec = receiver
    settings = _settings(site, target, {"expect_new_within": "1h"})
    _feed(site, ["one"])
    _page(site, "one", GOOD_PAGE.format(slug="one"))
    run_cycle(db, settings)
    assert check_sources(db, settings) == []  # just got an article
    later = utcnow() + timedelta(hours=2)
    (change,) = check_sources(db, settings, now=later)
    assert change.change == "failing" and "no new article for 2h" in change.problem
    assert check_sources(db, settings, now=later + timedelta(hours=1)) == []
    (recovery,) = check_sources(db, settings)  # an article within the hour (the real clock): recovered
    assert recovery.change == "recovered"
    assert [a.title.split()[-2:] for a in _health_alerts(db)] == [["is", "failing"], ["works", "again"]]


def test_every_page_failing_extraction_is_a_layout_alert(db: Database, site: Any, receiver: Any) -> None:
    target, rec = receiver
    settings = _settings(site, target)
    _feed(site, ["a", "b"])
    _page(site, "a", EMPTY_PAGE)
    _page(site, "b", EMPTY_PAGE)
    report = run_cycle(db, settings)
    assert report.processing.failed == 2
    (change,) = report.health
    assert change.change == "failing" and "layout changed" in change.problem
    assert len(rec.received) == 1 and "layout changed" in rec.received[0]["message"]
    # A poll with no new articles changes nothing; a new page that extracts ends the episode.
    assert run_cycle(db, settings).health == []
    _feed(site, ["a", "b", "c"])
    _page(site, "c", GOOD_PAGE.format(slug="c"))
    (recovered,) = run_cycle(db, settings).health
    assert recovered.change == "recovered" and len(rec.received) == 2


def test_a_health_rule_gets_source_alerts_and_no_claims(db: Database, site: Any, receiver: Any) -> None:
    target, rec = receiver
    settings = settings_from_dict(
        {
            "sources": [{"name": "watched", "kind": "feed", "url": f"{site.url}/feed.xml", "alert_after_failures": 1}],
            "alerts": [{"name": "ops-health", "sources": "health", "min_score": 0.0, "notify": [target]}],
            "http": {"allow_private_networks": True},
        }
    )
    assert settings.alerts.rules[0].health and settings.alerts.rules[0].sources == []
    _feed(site, ["ok"])
    _page(site, "ok", GOOD_PAGE.format(slug="ok"))
    report = run_cycle(db, settings)
    assert report.processing.processed == 1 and report.alerts_queued == 0  # claims never go to a health rule
    site.routes["/feed.xml"] = (500, {}, b"no")
    _forced_cycle(db, settings)
    (alert,) = _health_alerts(db)
    assert alert.rule == "ops-health" and alert.state == "sent" and len(rec.received) == 1


def test_no_health_target_means_no_alert_but_the_sources_page_shows_it(db: Database, site: Any) -> None:
    settings = settings_from_dict(
        {
            "sources": [{"name": "watched", "kind": "feed", "url": f"{site.url}/feed.xml", "alert_after_failures": 1}],
            "http": {"allow_private_networks": True},
        }
    )
    site.routes["/feed.xml"] = (500, {}, b"no")
    (change,) = _forced_cycle(db, settings).health
    assert change.alerts_queued == 0 and _health_alerts(db) == []
    since = _summary(db)["failing_since"]
    assert since is not None
    with TestClient(create_app(db)) as client:
        page = client.get("/sources").text
        (api,) = client.get("/api/sources").json()["items"]
    assert (
        f'failing since <time datetime="{since}"' in page and "1 failed polls in a row" in page and "HTTP 500" in page
    )
    assert api["failing_since"] == since and api["push"] == "off"
