"""Slow and flaky targets, against real loopback receivers: how many posts each alert gets, and what is recorded.

Issue 16: a webhook answering after 5 s got 13 posts for 10 alerts and none recorded as sent (apprise gives up
reading after 4 s; chipwatch called that `failed` and retried at once). Now the configured timeout (30 s by
default) applies, a send without an answer in time is `unknown` and retried no sooner than the lease, and every
post carries the alert's key in headers and payload.

The 40 s receiver is scaled down by the same factor as its timeout (a 30 s timeout becomes 1 s, 40 s becomes
1.4 s): what is tested is "the receiver answers after the timeout", which the scale does not change.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import apprise
import pytest
from sqlalchemy import select

from chipwatch.alerts.delivery import deliver_due, next_try
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.alerts.notify import delivery_url, send
from chipwatch.alerts.targets import test_targets as check_targets
from chipwatch.config import ConfigError, DeliveryTimeouts, settings_from_dict
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert
from chipwatch.storage.types import utcnow


@dataclass
class Post:
    alert_id: str
    idempotency_key: str | None
    chipwatch_alert: str | None


@dataclass
class SlowReceiver:
    """A json:// receiver on 127.0.0.1 that records each post as it arrives, then answers 200 after `delay`
    seconds, or with `drop` closes the connection after reading the body, without an answer."""

    delay: float = 0.0
    drop: bool = False
    posts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def serve(self) -> ThreadingHTTPServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                import json

                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                with receiver.lock:
                    receiver.posts.append(
                        Post(
                            payload.get("alert_id", ""),
                            self.headers.get("Idempotency-Key"),
                            self.headers.get("X-Chipwatch-Alert"),
                        )
                    )
                    delay, drop = receiver.delay, receiver.drop
                if drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                time.sleep(delay)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender gave up waiting: exactly the case under test

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.url = f"json://127.0.0.1:{server.server_address[1]}/hook"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def per_alert(self) -> Counter[str]:
        with self.lock:
            return Counter(p.alert_id for p in self.posts)

    def keys_agree(self) -> bool:
        """Every post carries its alert's key three times: payload, Idempotency-Key, X-Chipwatch-Alert."""
        with self.lock:
            return all(p.alert_id and p.alert_id == p.idempotency_key == p.chipwatch_alert for p in self.posts)


@pytest.fixture
def slow() -> Iterator[SlowReceiver]:
    receiver = SlowReceiver()
    server = receiver.serve()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def alerts_config(target: Any, **alerts: Any) -> Any:
    """One rule notifying the named target `hook` (a URL or the long form {url:, timeout:})."""
    rule = {"name": "notable", "min_score": 0.5, "notify": ["hook"]}
    return settings_from_dict({"alerts": {"targets": {"hook": target}, "rules": [rule], **alerts}}).alerts


def rows(db: Database) -> list[Alert]:
    with db.session() as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)))


@pytest.mark.slow
def test_a_target_answering_after_5s_gets_each_alert_once_and_it_is_recorded_sent(
    sqlite_db: Database, slow: SlowReceiver, store: Any, make_claim: Any
) -> None:
    # No rto= in the URL: the default alerts.timeout (30 s) applies; apprise's own 4 s would give up here.
    slow.delay = 5.0
    db = sqlite_db
    store(db, [make_claim("NVIDIA fell 17%"), make_claim("TSMC capex up 20%")])
    cfg = alerts_config(slow.url)
    assert cfg.timeouts_for(slow.url) == DeliveryTimeouts(read=30.0)
    enqueue_alerts(db, cfg)
    started = time.monotonic()
    report = deliver_due(db, cfg)
    took = time.monotonic() - started
    assert report.sent == 2 and report.failed == 0 and 10 <= took < 20
    keys = [a.dedup_key for a in rows(db)]
    assert slow.per_alert() == {key: 1 for key in keys} and slow.keys_agree()
    assert [(a.state, a.attempts, a.last_error) for a in rows(db)] == [("sent", 1, None)] * 2
    assert rows(db)[0].target == slow.url  # what is stored and shown is the configured URL, nothing added
    assert deliver_due(db, cfg, now=utcnow() + timedelta(days=1)).deliveries == []
    assert len(slow.posts) == 2


def test_a_target_answering_after_its_timeout_is_unknown_and_retried_only_after_the_lease(
    db: Database, slow: SlowReceiver, store: Any, make_claim: Any
) -> None:
    # The 40 s receiver against a 30 s timeout, scaled down: it answers 1.4 s after a post, the timeout is 1 s.
    slow.delay = 1.4
    store(db, [make_claim("NVIDIA fell 17%"), make_claim("TSMC capex up 20%")])
    cfg = alerts_config({"url": slow.url, "timeout": "1s"})  # a per-target timeout over alerts.timeout (30 s)
    enqueue_alerts(db, cfg)
    t0 = utcnow()
    first = deliver_due(db, cfg, now=t0)
    assert first.sent == 0 and first.unknown == 2
    keys = [a.dedup_key for a in rows(db)]
    assert slow.per_alert() == {key: 1 for key in keys}  # both arrived, though nobody heard back
    for alert in rows(db):
        assert alert.state == "unknown" and alert.attempts == 1
        assert "no answer within 1 s" in (alert.last_error or "")
        assert alert.next_attempt_at == t0 + cfg.lease  # backoff (30 s) < lease: the lease decides

    # no burst: nothing is retried before the lease has passed
    for later in (timedelta(0), timedelta(seconds=30), cfg.lease - timedelta(seconds=1)):
        assert deliver_due(db, cfg, now=t0 + later).deliveries == []
    assert len(slow.posts) == 2

    slow.delay = 0.0  # the receiver answers in time now
    second = deliver_due(db, cfg, now=t0 + cfg.lease)
    assert second.sent == 2
    assert [(a.state, a.attempts) for a in rows(db)] == [("sent", 2)] * 2
    assert deliver_due(db, cfg, now=t0 + timedelta(days=1)).deliveries == []
    # each alert reached the receiver twice, both times with the same key, which is what lets it drop the repeat
    assert slow.per_alert() == {key: 2 for key in keys} and slow.keys_agree()


def test_a_target_dropping_the_connection_after_the_body_is_unknown_not_failed(
    db: Database, slow: SlowReceiver, store: Any, make_claim: Any
) -> None:
    slow.drop = True
    store(db, [make_claim("NVIDIA fell 17%"), make_claim("TSMC capex up 20%")])
    cfg = alerts_config(slow.url)
    enqueue_alerts(db, cfg)
    t0 = utcnow()
    assert deliver_due(db, cfg, now=t0).unknown == 2
    keys = [a.dedup_key for a in rows(db)]
    assert [a.state for a in rows(db)] == ["unknown"] * 2
    assert all("connection closed before an answer" in (a.last_error or "") for a in rows(db))
    assert deliver_due(db, cfg, now=t0 + cfg.lease - timedelta(seconds=1)).deliveries == []
    slow.drop = False
    assert deliver_due(db, cfg, now=t0 + cfg.lease).sent == 2
    assert deliver_due(db, cfg, now=t0 + timedelta(days=1)).deliveries == []
    assert slow.per_alert() == {key: 2 for key in keys} and slow.keys_agree()


def test_a_target_that_never_answers_in_time_gets_at_most_max_attempts_posts_a_lease_apart(
    db: Database, slow: SlowReceiver, store: Any, make_claim: Any
) -> None:
    slow.drop = True
    store(db, [make_claim("NVIDIA fell 17%")])
    cfg = alerts_config(slow.url, max_attempts=4, retry_first="2m", lease="3m")
    enqueue_alerts(db, cfg)
    t, waits = utcnow(), []
    for _ in range(3):
        assert deliver_due(db, cfg, now=t).unknown == 1
        (alert,) = rows(db)
        waits.append((alert.next_attempt_at - t).total_seconds())
        t = alert.next_attempt_at
    # the lease (180 s) until the backoff (2 m, 4 m, 8 m) is longer
    assert waits == [180, 240, 480]
    assert deliver_due(db, cfg, now=t).dead == 1
    assert deliver_due(db, cfg, now=t + timedelta(days=1)).deliveries == []
    assert list(slow.per_alert().values()) == [4]


def test_the_documented_repeat_schedule_of_the_defaults() -> None:
    # README and alerts/delivery.py: with the defaults an unanswered alert is tried again after 5, 5, 5, 5, 8,
    # 16 and 32 min (max(backoff, lease)), 8 posts over 76 min at most; a refused one after 30 s, 1, 2, 4... min.
    cfg = alerts_config("json://127.0.0.1:9/hook")
    t = utcnow()
    unknown = [(next_try(cfg, "notable", n, t, maybe_delivered=True) - t) / timedelta(minutes=1) for n in range(1, 8)]
    failed = [(next_try(cfg, "notable", n, t) - t).total_seconds() for n in range(1, 8)]
    assert unknown == [5, 5, 5, 5, 8, 16, 32] and sum(unknown) == 76 and cfg.max_attempts == 8
    assert failed == [30, 60, 120, 240, 480, 960, 1920]


def test_a_refused_connection_is_failed_and_retried_on_the_short_backoff(
    db: Database, store: Any, make_claim: Any, closed_port: int
) -> None:
    store(db, [make_claim("NVIDIA fell 17%")])
    cfg = alerts_config(f"json://127.0.0.1:{closed_port}/hook")
    enqueue_alerts(db, cfg)
    t0 = utcnow()
    assert deliver_due(db, cfg, now=t0).failed == 1
    (alert,) = rows(db)
    assert alert.state == "failed" and alert.next_attempt_at == t0 + cfg.retry_first  # nothing went out


def test_alerts_test_uses_the_targets_timeout_and_says_it_may_have_arrived(slow: SlowReceiver) -> None:
    slow.delay = 1.4
    cfg = alerts_config({"url": slow.url, "timeout": "1s"})
    ((label, reason),) = check_targets(cfg)
    assert label.startswith("hook (json://127.0.0.1:") and "no answer within 1 s" in (reason or "")
    assert len(slow.posts) == 1


class Collect(logging.Handler):
    """A root handler at level NOTSET, as `logging.basicConfig(level=INFO)` installs: it prints whatever
    reaches it, so a DEBUG record propagated from apprise would be printed."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_concurrent_sends_keep_their_own_outcome_and_apprise_debug_lines_stay_in(
    slow: SlowReceiver, closed_port: int
) -> None:
    # apprise's debug lines print headers in clear; chipwatch reads them but lets none out.
    slow.delay = 1.4
    secret = "HeaderSecret42"
    apprise_logger, root, collect = logging.getLogger("apprise"), logging.getLogger(), Collect()
    level_before, filters_before, root_level = apprise_logger.level, list(apprise_logger.filters), root.level
    results: dict[str, Any] = {}

    def go(name: str, url: str) -> None:
        results[name] = send(f"{url}?+X-Api-Key={secret}", "t", "b", timeouts=DeliveryTimeouts(read=1.0))

    root.addHandler(collect)
    root.setLevel(logging.INFO)
    try:
        threads = [
            threading.Thread(target=go, args=("slow", slow.url)),
            threading.Thread(target=go, args=("refused", f"json://127.0.0.1:{closed_port}/hook")),
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join(30)
    finally:
        root.removeHandler(collect)
        root.setLevel(root_level)
    assert results["slow"].maybe_delivered and not results["refused"].maybe_delivered
    assert "Connection error" in results["refused"].reason
    logged = "\n".join(collect.lines)
    assert "A Connection error occurred" in logged  # apprise's warnings still reach the logs
    assert secret not in logged and "Socket Exception" not in logged
    assert apprise_logger.level == level_before and apprise_logger.filters == filters_before  # all put back


def test_the_timeout_and_key_go_only_into_the_url_of_one_send() -> None:
    key = "k" * 64
    sent = delivery_url("json://127.0.0.1:9/hook", key, DeliveryTimeouts(read=30.0, connect=5.0))
    assert sent == (
        f"json://127.0.0.1:9/hook?rto=30&cto=5&:alert_id={key}&+Idempotency-Key={key}&+X-Chipwatch-Alert={key}"
    )
    # what the URL says itself wins; targets without headers get only the timeouts (the key is in the body)
    assert delivery_url("json://127.0.0.1:9/hook?rto=2", None, DeliveryTimeouts(read=30.0)) == (
        "json://127.0.0.1:9/hook?rto=2"
    )
    assert delivery_url("ntfy://127.0.0.1:9/topic", key, DeliveryTimeouts(read=30.0)) == (
        "ntfy://127.0.0.1:9/topic?rto=30"
    )


@pytest.mark.parametrize(
    "url",
    [
        "json://127.0.0.1:9/hook",
        "jsons://user:pass@127.0.0.1:9/hook?+X-Api-Key=abc",
        "form://127.0.0.1:9/hook",
        "xml://127.0.0.1:9/hook",
        "ntfy://127.0.0.1:9/topic",
        "gotify://127.0.0.1:9/AbcdefghijklmnO",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
        "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
        "tgram://123456789:abcdefg_hijklmnop/12315544",
        "pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi",
        "mailto://user:pass@127.0.0.1:9?to=a@example.com&from=b@example.com&mode=insecure",
    ],
)
def test_every_kind_of_target_takes_the_timeout(url: str) -> None:
    plugin = apprise.Apprise.instantiate(delivery_url(url, "k" * 64, DeliveryTimeouts(read=30.0, connect=7.0)))
    assert plugin is not None
    assert (plugin.socket_read_timeout, plugin.socket_connect_timeout) == (30.0, 7.0)


@pytest.mark.parametrize(
    ("alerts", "message"),
    [
        ({"targets": {"hook": {"url": "json://127.0.0.1:9/h", "timeout": "5m"}}}, "not shorter than alerts.lease"),
        ({"timeout": "4m", "connect_timeout": "1m"}, "not shorter than alerts.lease"),
        ({"targets": {"hook": {"url": "json://127.0.0.1:9/h", "timeout": "0s"}}}, "must be longer than 0 s"),
        ({"targets": {"hook": {"url": "json://127.0.0.1:9/h", "timout": "5s"}}}, "'alerts.targets.hook.timout'"),
        ({"targets": {"hook": {"timeout": "5s"}}}, "'alerts.targets.hook.url' is required"),
        ({"targets": {"hook": ["json://127.0.0.1:9/h"]}}, "must be an apprise URL or a mapping"),
        (
            {"targets": {"hook": "json://127.0.0.1:9/h", "again": {"url": "json://127.0.0.1:9/h", "timeout": "9s"}}},
            "same URL but different timeouts",
        ),
    ],
)
def test_bad_timeouts_are_refused_with_the_key_and_the_fix(alerts: dict[str, Any], message: str) -> None:
    rule = {"name": "notable", "notify": ["json://127.0.0.1:9/other"]}
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        settings_from_dict({"alerts": {"rules": [rule], **alerts}})
