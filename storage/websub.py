"""WebSub subscription rows: what was asked of which hub, what the hub confirmed, and the deliveries' tally.

The callback id is the subscription's name in its callback URL: unguessable, so a stranger cannot even find
the endpoint that checks signatures; the secret signs deliveries and never leaves the database and the hub.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipwatch.storage.models import Source, WebSubSubscription
from chipwatch.storage.types import utcnow

REQUESTED, ACTIVE, UNSUBSCRIBING, FAILED, ENDED = "requested", "active", "unsubscribing", "failed", "ended"


def subscription_for(session: Session, source_id: int) -> WebSubSubscription | None:
    return session.scalars(select(WebSubSubscription).where(WebSubSubscription.source_id == source_id)).one_or_none()


def subscription_by_callback(session: Session, callback_id: str) -> WebSubSubscription | None:
    return session.scalars(
        select(WebSubSubscription).where(WebSubSubscription.callback_id == callback_id)
    ).one_or_none()


def all_subscriptions(session: Session) -> list[tuple[WebSubSubscription, Source]]:
    stmt = select(WebSubSubscription, Source).join(Source, Source.id == WebSubSubscription.source_id)
    return [(sub, src) for sub, src in session.execute(stmt).tuples()]


def request_subscription(
    session: Session, source_id: int, hub: str, topic: str, now: datetime | None = None
) -> WebSubSubscription:
    """Record a subscribe request about to be sent. A new hub or topic gets a new callback id and secret;
    a renewal keeps both, so deliveries signed by the hub keep checking out while it re-verifies."""
    now = now or utcnow()
    sub = subscription_for(session, source_id)
    if sub is None:
        sub = WebSubSubscription(source_id=source_id, deliveries=0, refused=0)
        session.add(sub)
    if sub.hub != hub or sub.topic != topic or sub.state == ENDED:
        sub.callback_id = secrets.token_urlsafe(24)
        sub.secret = secrets.token_hex(32)
        sub.verified_at = sub.expires_at = sub.lease_seconds = None
        sub.state = REQUESTED
    elif sub.state != ACTIVE:
        sub.state = REQUESTED  # an active one stays active (and pushed) while the hub re-verifies the renewal
    sub.hub, sub.topic = hub, topic
    sub.requested_at = now
    sub.last_error = None
    session.flush()
    return sub


def is_live(sub: WebSubSubscription | None, now: datetime) -> bool:
    """A verified subscription whose lease has not run out: the hub pushes, so polling can slow down."""
    return sub is not None and sub.state == ACTIVE and sub.expires_at is not None and sub.expires_at > now


def renewal_due(sub: WebSubSubscription, now: datetime) -> bool:
    """Renew when a fifth of the lease (at least 2 minutes) is left, so the hub never drops us between polls."""
    if sub.expires_at is None or sub.lease_seconds is None:
        return False
    margin = max(timedelta(seconds=sub.lease_seconds * 0.2), timedelta(minutes=2))
    return sub.expires_at - now <= margin


def live_source_ids(session: Session, now: datetime | None = None) -> set[int]:
    now = now or utcnow()
    stmt = select(WebSubSubscription.source_id).where(
        WebSubSubscription.state == ACTIVE, WebSubSubscription.expires_at > now
    )
    return set(session.scalars(stmt))


def push_by_source(session: Session, now: datetime | None = None) -> dict[int, str]:
    """source id -> how its hub pushes: `live until <time>`, `requested`, `failed: <why>`, `unsubscribing`,
    `ended` (sources without a subscription are absent: polled only)."""
    now = now or utcnow()
    out: dict[int, str] = {}
    for sub in session.scalars(select(WebSubSubscription)):
        if is_live(sub, now) and sub.expires_at is not None:
            out[sub.source_id] = f"live until {sub.expires_at:%Y-%m-%d %H:%M} UTC"
        elif sub.state == FAILED:
            out[sub.source_id] = f"failed: {sub.last_error or 'unknown'}"[:300]
        elif sub.state == ACTIVE:
            out[sub.source_id] = "expired"
        else:
            out[sub.source_id] = sub.state
    return out
