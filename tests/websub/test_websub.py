"""WebSub push against a real hub process on loopback (websub_hub.py): subscribe, verify, signed delivery,
forged delivery refused, renewal, lease expiry, unsubscribe, hub down, and a push of an entry already polled.
On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

import httpx
import pytest
from push_env import PushSetup
from sqlalchemy import func, select

from chipwatch.pipeline.cycle import http_client, prepare_sources, run_cycle
from chipwatch.pipeline.websub import maintain_subscriptions
from chipwatch.storage.models import Article, WebSubSubscription
from chipwatch.storage.types import utcnow


def _subscription(setup: PushSetup) -> WebSubSubscription:
    with setup.db.session() as s:
        sub = s.scalars(select(WebSubSubscription)).one()
        s.expunge(sub)
        return sub


def _articles(setup: PushSetup) -> int:
    with setup.db.session() as s:
        return int(s.execute(select(func.count()).select_from(Article)).scalar_one())


def _subscribed(setup: PushSetup) -> WebSubSubscription:
    """One cycle: the poll finds the hub in the feed, the cycle subscribes, the hub verifies."""
    setup.site.add("first")
    run_cycle(setup.db, setup.settings)
    assert setup.hub.wait_for(lambda: bool(setup.hub.live(setup.site.topic))), setup.hub.verifications
    return _subscription(setup)


def test_a_feed_naming_a_hub_is_subscribed_and_verified(push_setup: PushSetup) -> None:
    setup = push_setup
    sub = _subscribed(setup)
    request = setup.hub.requests[0]
    assert request["hub.mode"] == "subscribe" and request["hub.topic"] == setup.site.topic
    assert request["hub.callback"] == f"{setup.app_url}/websub/{sub.callback_id}"
    assert request["hub.secret"] == sub.secret and len(sub.secret) >= 32
    assert sub.state == "active" and sub.lease_seconds == 600
    assert sub.expires_at is not None and timedelta(seconds=590) < sub.expires_at - utcnow() <= timedelta(seconds=600)
    # While the subscription is live the feed is still polled, but at the slower fallback interval.
    (source,) = prepare_sources(setup.db, setup.settings, only_due=False)
    assert source.every == setup.settings.push_poll_every == timedelta(hours=1)


def test_verification_checks_topic_mode_and_callback(push_setup: PushSetup) -> None:
    setup = push_setup
    sub = _subscribed(setup)
    url = f"{setup.app_url}/websub/{sub.callback_id}"
    ok = {"hub.mode": "subscribe", "hub.topic": setup.site.topic, "hub.challenge": "c-123", "hub.lease_seconds": "60"}
    assert httpx.get(url, params=ok).text == "c-123"
    assert httpx.get(url, params={**ok, "hub.topic": setup.site.url + "/other.xml"}).status_code == 404
    assert httpx.get(url, params={**ok, "hub.mode": "unsubscribe"}).status_code == 404  # we never asked to leave
    assert httpx.get(f"{setup.app_url}/websub/not-ours", params=ok).status_code == 404
    assert httpx.get(url, params={**ok, "hub.challenge": ""}).status_code == 404


def test_a_signed_delivery_is_stored_processed_and_alerted(push_setup: PushSetup) -> None:
    setup = push_setup
    _subscribed(setup)
    before = len(setup.received)
    setup.site.add("pushed-1")
    assert setup.hub.publish(setup.site.topic) == 1
    assert setup.push.wait_idle(30)
    result = setup.push.results[-1]
    assert result.source == "pushed" and len(result.new_article_ids) == 1 and result.error is None
    with setup.db.session() as s:
        article = s.get(Article, result.new_article_ids[0])
        assert article is not None and article.url.endswith("/p/pushed-1.html") and article.status == "processed"
    assert len(setup.received) > before
    assert any("pushed-1" in (m.get("title", "") + m.get("message", "")) for m in setup.received[before:])
    assert _subscription(setup).deliveries == 1


def test_sha1_signatures_are_accepted_too(push_setup: PushSetup) -> None:
    setup = push_setup
    setup.hub.method = "sha1"
    _subscribed(setup)
    setup.site.add("sha1-item")
    assert setup.hub.publish(setup.site.topic) == 1
    assert setup.push.wait_idle(30)
    assert len(setup.push.results[-1].new_article_ids) == 1


def test_a_forged_or_unsigned_delivery_is_refused_logged_and_not_stored(
    push_setup: PushSetup, caplog: pytest.LogCaptureFixture
) -> None:
    setup = push_setup
    sub = _subscribed(setup)
    stored = _articles(setup)
    setup.site.add("forged")
    body = setup.site.body()
    url = f"{setup.app_url}/websub/{sub.callback_id}"
    wrong = hmac.new(b"not the secret", body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/rss+xml"}
    with caplog.at_level(logging.WARNING, logger="chipwatch.pipeline.websub"):
        assert (
            httpx.post(url, content=body, headers={**headers, "X-Hub-Signature": f"sha256={wrong}"}).status_code == 403
        )
        assert httpx.post(url, content=body, headers=headers).status_code == 403
        right = hmac.new(sub.secret.encode(), body, hashlib.md5).hexdigest()  # not a method the Recommendation names
        assert httpx.post(url, content=body, headers={**headers, "X-Hub-Signature": f"md5={right}"}).status_code == 403
    assert setup.push.wait_idle(10)
    assert _articles(setup) == stored and setup.push.results == []
    assert _subscription(setup).refused == 3 and _subscription(setup).deliveries == 0
    refusals = [r.getMessage() for r in caplog.records if "refused a delivery" in r.getMessage()]
    assert len(refusals) == 3 and "no X-Hub-Signature" in refusals[1] and sub.secret not in " ".join(refusals)


def test_the_lease_is_renewed_before_it_ends(push_setup: PushSetup) -> None:
    setup = push_setup
    sub = _subscribed(setup)
    with http_client(setup.settings) as client:
        assert maintain_subscriptions(setup.db, setup.settings, client) == []  # plenty of lease left
        near_end = sub.expires_at - timedelta(seconds=100)  # type: ignore[operator]
        (change,) = maintain_subscriptions(setup.db, setup.settings, client, now=near_end)
    assert change.action == "renew" and change.error is None
    assert setup.hub.wait_for(lambda: len([v for v in setup.hub.verifications if v[1] == "subscribe"]) == 2)
    renewed = _subscription(setup)
    assert renewed.callback_id == sub.callback_id and renewed.secret == sub.secret and renewed.state == "active"
    assert renewed.verified_at > sub.verified_at  # type: ignore[operator]
    assert [r["hub.callback"] for r in setup.hub.requests] == [setup.hub.requests[0]["hub.callback"]] * 2


def test_an_expired_lease_stops_pushes_and_is_subscribed_again(push_setup: PushSetup) -> None:
    setup = push_setup
    sub = _subscribed(setup)
    setup.hub.expire(setup.site.topic)
    setup.site.add("after-expiry")
    assert setup.hub.publish(setup.site.topic) == 0  # the hub no longer delivers to us
    with http_client(setup.settings) as client:
        (change,) = maintain_subscriptions(setup.db, setup.settings, client, now=sub.expires_at)
    assert change.action == "subscribe"
    assert setup.hub.wait_for(lambda: bool(setup.hub.live(setup.site.topic)))


def test_a_disabled_or_removed_source_is_unsubscribed(push_setup: PushSetup) -> None:
    setup = push_setup
    sub = _subscribed(setup)
    disabled = setup.settings_with(
        sources=[{"name": "pushed", "kind": "feed", "url": setup.site.topic, "enabled": False}]
    )
    with http_client(disabled) as client:
        (change,) = maintain_subscriptions(setup.db, disabled, client)
    assert change.action == "unsubscribe" and change.error is None
    assert setup.hub.wait_for(lambda: not setup.hub.live(setup.site.topic)), setup.hub.verifications
    assert setup.hub.requests[-1]["hub.mode"] == "unsubscribe"
    assert setup.hub.requests[-1]["hub.callback"].endswith(sub.callback_id)
    assert _subscription(setup).state == "ended"
    # A delivery to an ended subscription is answered 410 Gone, and nothing is stored.
    body = setup.site.body()
    sig = "sha256=" + hmac.new(sub.secret.encode(), body, hashlib.sha256).hexdigest()
    resp = httpx.post(f"{setup.app_url}/websub/{sub.callback_id}", content=body, headers={"X-Hub-Signature": sig})
    assert resp.status_code == 410


def test_push_off_unsubscribes_and_removal_does_too(push_setup: PushSetup) -> None:
    setup = push_setup
    _subscribed(setup)
    removed = setup.settings_with(sources=[])
    with http_client(removed) as client:
        (change,) = maintain_subscriptions(setup.db, removed, client)
    assert change.action == "unsubscribe"
    assert setup.hub.wait_for(lambda: _subscription(setup).state == "ended")


def test_hub_down_polling_continues_at_the_normal_interval(push_setup: PushSetup) -> None:
    setup = push_setup
    setup.hub.__exit__()  # the hub stops answering: connection refused
    setup.site.add("a")
    report = run_cycle(setup.db, setup.settings)
    assert len(report.polls[0].new_article_ids) == 1
    sub = _subscription(setup)
    assert sub.state == "failed" and "cannot post" in (sub.last_error or "")
    (source,) = prepare_sources(setup.db, setup.settings, only_due=False)
    assert source.every == timedelta(minutes=1)  # not live: polled as often as configured
    setup.site.add("b")
    assert len(run_cycle(setup.db, setup.settings).polls[0].new_article_ids) == 1


def test_a_push_of_an_entry_already_polled_stores_and_alerts_nothing_new(push_setup: PushSetup) -> None:
    setup = push_setup
    _subscribed(setup)
    setup.site.add("both-ways")
    run_cycle(setup.db, setup.settings)  # polled first
    stored, alerts = _articles(setup), len(setup.received)
    assert setup.hub.publish(setup.site.topic) == 1  # then pushed: the same entries
    assert setup.push.wait_idle(30)
    assert setup.push.results[-1].new_article_ids == []
    assert _articles(setup) == stored and len(setup.received) == alerts


def test_pushes_in_a_row_each_store_and_alert_their_item(push_setup: PushSetup) -> None:
    setup = push_setup
    _subscribed(setup)
    before = len(setup.received)
    for i in range(5):
        setup.site.add(f"row-{i}")
        assert setup.hub.publish(setup.site.topic) == 1
    assert setup.push.wait_idle(60)
    assert [len(r.new_article_ids) for r in setup.push.results] == [1] * 5
    with setup.db.session() as s:
        statuses = s.scalars(select(Article.status).where(Article.guid.startswith("row-"))).all()
    assert sorted(statuses) == ["processed"] * 5
    alerted = {
        m.get("message", "").split("/p/")[1].split(".html")[0]
        for m in setup.received[before:]
        if "/p/" in m.get("message", "")
    }
    assert alerted == {f"row-{i}" for i in range(5)}


def test_a_hub_denying_the_subscription_is_recorded_and_retried_later(push_setup: PushSetup) -> None:
    setup = push_setup
    sub = _subscribed(setup)
    url = f"{setup.app_url}/websub/{sub.callback_id}"
    denied = {"hub.mode": "denied", "hub.topic": setup.site.topic, "hub.reason": "quota exceeded"}
    assert httpx.get(url, params=denied).status_code == 200
    after = _subscription(setup)
    assert after.state == "failed" and "quota exceeded" in (after.last_error or "")
    (source,) = prepare_sources(setup.db, setup.settings, only_due=False)
    assert source.every == timedelta(minutes=1)  # no longer live: polled at its own interval
    with http_client(setup.settings) as client:
        assert maintain_subscriptions(setup.db, setup.settings, client) == []  # not at once
        (retry,) = maintain_subscriptions(setup.db, setup.settings, client, now=utcnow() + timedelta(minutes=11))
    assert retry.action == "subscribe" and retry.error is None
