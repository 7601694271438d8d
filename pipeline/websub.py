"""WebSub push for feed sources: keep each source's subscription at its hub in step with the config, answer
the hub's intent verification, and take signed deliveries into the same path as a poll.

- `maintain_subscriptions` (each cycle, after polling): subscribe feeds whose hub is known (the feed
  connector keeps it in the source state), renew a lease when a fifth of it is left, retry failed requests,
  unsubscribe sources that were removed, disabled or set to `push: off`.
- `verify_intent` (the hub's GET on the callback): echo `hub.challenge` only when the mode and topic are the
  ones we asked for; record a hub's `denied`.
- `PushReceiver` (the hub's POST): the signature is checked against the subscription's secret before anything
  else; a bad or missing one is refused and logged and nothing is stored. A good delivery is parsed like a
  polled feed and stored by `poll_source(pushed=...)` (so an entry already polled is not stored again), then
  processed, alerted and delivered at once in a background thread, so the hub gets its answer without waiting.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.config import Settings, SourceConfig
from chipwatch.connectors.base import FetchResult
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.feed import parse_feed
from chipwatch.connectors.http import HttpClient, Response
from chipwatch.connectors.jsonfeed import is_json_feed, parse_json_feed
from chipwatch.connectors.websub import HUB_KEY, TOPIC_KEY, SubscriptionRequest, send_request, signature_ok
from chipwatch.pipeline.poll import poll_source
from chipwatch.pipeline.process import process_articles
from chipwatch.storage import websub as subs
from chipwatch.storage.db import Database
from chipwatch.storage.models import Source
from chipwatch.storage.sources import source_by_name
from chipwatch.storage.types import utcnow

log = logging.getLogger(__name__)

CALLBACK_PATH = "/websub/"
RETRY_AFTER = timedelta(minutes=10)  # a refused or unanswered request is sent again after this
DEFAULT_LEASE = timedelta(days=1)  # assumed when a hub verifies without saying (it must say)


def callback_url(public_url: str, callback_id: str) -> str:
    return f"{public_url.rstrip('/')}{CALLBACK_PATH}{callback_id}"


def push_wanted(settings: Settings, source: SourceConfig) -> bool:
    """Push is tried for enabled feed sources with `push: auto` when hubs can reach us (`public_url`)."""
    return settings.public_url is not None and source.kind == "feed" and source.enabled and source.push == "auto"


def push_note(settings: Settings) -> str | None:
    """The one line `sources list` prints when push is off for want of a `public_url` (None otherwise)."""
    if settings.public_url is not None:
        return None
    if not any(s.kind == "feed" and s.push == "auto" and s.enabled for s in settings.sources):
        return None
    return "push: off (no public_url in the config, so WebSub hubs cannot reach us); feeds are polled only"


@dataclass
class SubscriptionChange:
    source: str
    action: str  # subscribe | renew | unsubscribe | ended
    error: str | None = None


def maintain_subscriptions(
    db: Database, settings: Settings, client: HttpClient, now: datetime | None = None
) -> list[SubscriptionChange]:
    """Send the subscribe, renew and unsubscribe requests that are due; returns what was asked."""
    now = now or utcnow()
    configured = {s.name: s for s in settings.sources}
    plan: list[tuple[str, str, str, str]] = []  # (source name, action, hub, topic)
    with db.session() as session, session.begin():
        current = {src.name: sub for sub, src in subs.all_subscriptions(session)}
        rows = {name: _row(session, name) for name in configured}
        for name, source in configured.items():
            row, sub = rows[name], current.get(name)
            state = (row.state or {}) if row is not None else {}
            hub, topic = state.get(HUB_KEY), state.get(TOPIC_KEY)
            if row is None or not push_wanted(settings, source) or not hub or not topic:
                continue
            action = _subscribe_action(sub, hub, topic, now)
            if action:
                if sub is not None and sub.state == subs.ACTIVE and (sub.hub, sub.topic) != (hub, topic):
                    plan.append((name, "unsubscribe", sub.hub, sub.topic))  # moved to another hub
                plan.append((name, action, hub, topic))
        for name, sub in current.items():
            source = configured.get(name)
            unwanted = source is None or not push_wanted(settings, source)
            retry = sub.state == subs.UNSUBSCRIBING and _older(sub.requested_at, now, RETRY_AFTER)
            if (unwanted and sub.state in (subs.ACTIVE, subs.REQUESTED)) or (unwanted and retry):
                plan.append((name, "unsubscribe", sub.hub, sub.topic))
            elif unwanted and sub.state == subs.FAILED:
                sub.state = subs.ENDED  # never verified: nothing to undo at the hub
    return [_send(db, settings, client, name, action, hub, topic, now) for name, action, hub, topic in plan]


def _row(session: Session, name: str) -> Source | None:
    """The source's row; None before prepare_sources has created it (the next cycle subscribes it)."""
    return session.scalars(select(Source).where(Source.name == name)).one_or_none()


def _older(when: datetime | None, now: datetime, age: timedelta) -> bool:
    return when is None or now - when >= age


def _subscribe_action(sub: subs.WebSubSubscription | None, hub: str, topic: str, now: datetime) -> str | None:
    if sub is None or sub.state == subs.ENDED or (sub.hub, sub.topic) != (hub, topic):
        return "subscribe"
    if sub.state == subs.ACTIVE:
        expired = sub.expires_at is not None and sub.expires_at <= now
        return "subscribe" if expired else "renew" if subs.renewal_due(sub, now) else None
    if sub.state in (subs.FAILED, subs.REQUESTED, subs.UNSUBSCRIBING) and _older(sub.requested_at, now, RETRY_AFTER):
        return "subscribe"  # refused, never verified, or an unsubscribe left hanging: ask again
    return None


def _send(
    db: Database, settings: Settings, client: HttpClient, name: str, action: str, hub: str, topic: str, now: datetime
) -> SubscriptionChange:
    """Record the request first (the hub may verify before its answer reaches us), then send it."""
    assert settings.public_url is not None or action == "unsubscribe"
    with db.session() as session, session.begin():
        source_id = source_by_name(session, name).id
        sub = subs.subscription_for(session, source_id)
        if action == "unsubscribe":
            if sub is None:
                return SubscriptionChange(name, action, "no subscription")
            sub.state, sub.requested_at = subs.UNSUBSCRIBING, now
        else:
            sub = subs.request_subscription(session, source_id, hub, topic, now)
        callback_id, secret = sub.callback_id, sub.secret
    if settings.public_url is None:
        with db.session() as session, session.begin():
            _set(session, name, state=subs.ENDED, last_error="public_url removed: left to expire at the hub")
        return SubscriptionChange(name, "ended")
    request = SubscriptionRequest(
        hub=hub,
        topic=topic,
        callback=callback_url(settings.public_url, callback_id),
        mode="unsubscribe" if action == "unsubscribe" else "subscribe",
        secret=secret,
    )
    try:
        send_request(client, request)
    except FetchError as exc:
        log.warning("source %s: WebSub %s at %s failed: %s", name, request.mode, hub, exc)
        with db.session() as session, session.begin():
            # A failed renewal keeps the live subscription until its lease ends; a failed first request waits.
            keep = action in ("renew", "unsubscribe")
            _set(session, name, state=None if keep else subs.FAILED, last_error=str(exc)[:2000])
        return SubscriptionChange(name, action, str(exc))
    log.info("source %s: WebSub %s sent to %s", name, request.mode, hub)
    return SubscriptionChange(name, action)


def _set(session: Session, name: str, *, state: str | None, last_error: str | None) -> None:
    sub = subs.subscription_for(session, source_by_name(session, name).id)
    if sub is not None:
        if state is not None:
            sub.state = state
        sub.last_error = last_error


@dataclass(frozen=True)
class Answer:
    status: int
    body: str = ""


def verify_intent(db: Database, callback_id: str, params: Mapping[str, str], now: datetime | None = None) -> Answer:
    """The hub's verification of intent (a GET on the callback). 200 with the challenge only when the
    subscription is one we asked for, in this mode, for this topic; 404 otherwise."""
    now = now or utcnow()
    mode, topic, challenge = params.get("hub.mode"), params.get("hub.topic"), params.get("hub.challenge")
    with db.session() as session, session.begin():
        sub = subs.subscription_by_callback(session, callback_id)
        if sub is None or topic != sub.topic:
            return Answer(404, "unknown subscription")
        if mode == "denied":
            sub.state, sub.last_error = subs.FAILED, f"the hub denied the subscription: {params.get('hub.reason', '')}"
            log.warning("WebSub: %s denied %s (%s)", sub.hub, sub.topic, params.get("hub.reason", "no reason"))
            return Answer(200)
        if not challenge:
            return Answer(404, "no hub.challenge")
        if mode == "subscribe" and sub.state in (subs.REQUESTED, subs.ACTIVE):
            lease = _lease(params.get("hub.lease_seconds"))
            sub.state, sub.verified_at, sub.last_error = subs.ACTIVE, now, None
            sub.lease_seconds = int(lease.total_seconds())
            sub.expires_at = now + lease
            return Answer(200, challenge)
        if mode == "unsubscribe" and sub.state == subs.UNSUBSCRIBING:
            sub.state, sub.expires_at = subs.ENDED, None
            return Answer(200, challenge)
    return Answer(404, f"not expecting {mode!r} for this topic")


def _lease(value: str | None) -> timedelta:
    try:
        seconds = int(value or "")
    except ValueError:
        return DEFAULT_LEASE
    return timedelta(seconds=seconds) if seconds > 0 else DEFAULT_LEASE


@dataclass
class PushResult:
    """What one delivery did, for tests and the log."""

    source: str
    new_article_ids: list[int] = field(default_factory=list)
    error: str | None = None


class PushReceiver:
    """The web process's side of push: verification, signature check, then storing and processing in one
    background thread (deliveries in arrival order; the hub's request is answered once the signature is
    checked). `inline=False` only stores: the pipeline's stale-article fallback processes them."""

    def __init__(self, db: Database, settings: Settings, client: HttpClient, *, inline: bool = True) -> None:
        self.db, self.settings, self.client, self.inline = db, settings, client, inline
        self.max_bytes = settings.http.max_bytes
        self.results: list[PushResult] = []
        self._queue: queue.Queue[tuple[str, str, Response] | None] = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="websub-push", daemon=True)
        self._thread.start()

    def verify(self, callback_id: str, params: Mapping[str, str]) -> Answer:
        return verify_intent(self.db, callback_id, params)

    def deliver(self, callback_id: str, headers: Mapping[str, str], body: bytes) -> Answer:
        """Check the delivery's signature and queue it; never stores anything from an unsigned body."""
        with self.db.session() as session, session.begin():
            sub = subs.subscription_by_callback(session, callback_id)
            if sub is None or sub.state == subs.ENDED:
                return Answer(410, "no such subscription")  # the hub may drop it
            source = session.get(Source, sub.source_id)
            name = source.name if source is not None else "?"
            signature = headers.get("x-hub-signature")
            if not signature_ok(sub.secret, body, signature):
                sub.refused = (sub.refused or 0) + 1
                why = "no X-Hub-Signature" if not signature else "a wrong X-Hub-Signature"
                log.warning(
                    "WebSub: refused a delivery for source %s with %s (%d bytes); nothing stored", name, why, len(body)
                )
                return Answer(403, "signature does not match")
            sub.deliveries, sub.last_delivery_at = (sub.deliveries or 0) + 1, utcnow()
            topic = sub.topic
        response = Response(url=topic, status=200, headers={k.lower(): v for k, v in headers.items()}, content=body)
        self._idle.clear()
        self._queue.put((name, topic, response))
        return Answer(202)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every queued delivery is stored and processed (tests, shutdown)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self.results.append(self._ingest(*item))
            except Exception:  # a bug in one delivery must not stop the receiver
                log.exception("WebSub: delivery for %s failed", item[0])
            if self._queue.empty():
                self._idle.set()

    def _ingest(self, name: str, topic: str, response: Response) -> PushResult:
        source = next((s for s in self.settings.sources if s.name == name), None)
        if source is None or not push_wanted(self.settings, source):
            return PushResult(name, error="source no longer pushed; ignored")
        try:
            entries = parse_json_feed(response.content, topic) if is_json_feed(response) else parse_feed(response)
        except FetchError as exc:
            log.warning("WebSub: delivery for source %s is not a readable feed: %s", name, exc)
            return PushResult(name, error=str(exc))
        outcome = poll_source(self.db, self.client, source, pushed=FetchResult(entries=entries))
        result = PushResult(name, list(outcome.new_article_ids), outcome.error)
        if self.inline and outcome.new_article_ids:
            process_articles(self.db, outcome.new_article_ids)
            enqueue_alerts(self.db, self.settings.alerts)
            deliver_due(self.db, self.settings.alerts)
        return result
