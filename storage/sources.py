"""Source rows: kept in step with the config, and their polling state."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chipwatch.storage.health import health_by_source
from chipwatch.storage.models import Article, Source
from chipwatch.storage.page_fetch import fetch_counts
from chipwatch.storage.source_polls import recent_polls_by_source
from chipwatch.storage.types import utcnow
from chipwatch.storage.upsert import insert_ignore
from chipwatch.storage.websub import push_by_source


@dataclass(frozen=True)
class SourceSpec:
    """What storage needs to know of a configured source."""

    name: str
    kind: str
    url: str | None
    enabled: bool = True


def sync_sources(session: Session, specs: Iterable[SourceSpec]) -> dict[str, Source]:
    """Create missing source rows and refresh kind/url; sources dropped from the config become
    `disabled` (their articles stay). Returns the configured rows by name."""
    specs = list(specs)
    existing = {s.name: s for s in session.scalars(select(Source))}
    missing = [
        {"name": s.name, "kind": s.kind, "url": s.url, "status": "ok", "failures": 0, "state": {}}
        for s in specs
        if s.name not in existing
    ]
    if missing:
        # INSERT ... ON CONFLICT DO NOTHING: two processes starting on a fresh database both try to create the
        # rows; the second must neither fail on the unique name nor make a second row. Then read them all back.
        insert_ignore(session, Source, missing, ["name"])
        existing = {s.name: s for s in session.scalars(select(Source))}
    out: dict[str, Source] = {}
    for spec in specs:
        row = existing[spec.name]
        if (row.kind, row.url) != (spec.kind, spec.url):
            row.state = {}  # a new location starts without the old ETag
        row.kind, row.url = spec.kind, spec.url
        if not spec.enabled:
            row.status = "disabled"
        elif row.status == "disabled":
            row.status = "ok"
        out[spec.name] = row
    configured = {s.name for s in specs}
    for name, row in existing.items():
        if name not in configured:
            row.status = "disabled"
    session.flush()
    return out


def record_poll(
    session: Session,
    source: Source,
    *,
    state: dict[str, Any],
    error: str | None,
    next_check: datetime | None,
    now: datetime | None = None,
    partial: bool = False,
    retry_after: float | None = None,
    max_backoff: timedelta = timedelta(days=1),
    rand: Callable[[], float] = random.random,
    listed: int | None = None,
) -> None:
    """Store the outcome of one poll: the connector's next state, or the error and a failure count.

    A failed poll counts a failure. The first failure keeps the regular `next_check` (status
    `error`); from the second in a row, or when the server sent Retry-After, the source is in
    `backoff`: the interval doubles per failure (with +-20% jitter so many sources failing together
    do not return together), capped at `max_backoff`, and never earlier than Retry-After asked.
    `partial` (some documents failed, the listing worked) is an error without backoff.
    `listed`: the number of entries the listing held (None for a 304 or a failure: the last count stays).
    """
    now = now or utcnow()
    if listed is not None:
        source.entries_listed = listed
    source.last_checked = now
    source.next_check = next_check
    source.state = dict(state)
    if error and not partial:
        source.failures = (source.failures or 0) + 1
        source.last_error = error[:2000]
        source.status = "error"
        if next_check is not None and (source.failures > 1 or retry_after is not None):
            interval = next_check - now
            source.next_check = now + backoff_delay(source.failures, interval, max_backoff, retry_after, rand)
            source.status = "backoff"
    elif error:
        source.failures = 0
        source.status = "error"
        source.last_error = error[:2000]
    else:
        source.failures = 0
        source.status = "ok"
        source.last_error = None


def backoff_delay(
    failures: int,
    interval: timedelta,
    max_backoff: timedelta,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> timedelta:
    """interval * 2^(failures-1), jittered by +-20%, capped at max_backoff; at least Retry-After."""
    base = interval.total_seconds() * 2 ** min(max(failures - 1, 0), 20)
    delay = min(base * (0.8 + 0.4 * rand()), max_backoff.total_seconds())
    if retry_after is not None:
        delay = max(delay, retry_after)
    return timedelta(seconds=delay)


def in_backoff(source: Source, now: datetime) -> bool:
    """True while a backed-off source's next_check lies ahead: pollers leave it alone until then."""
    return source.status == "backoff" and source.next_check is not None and source.next_check > now


NEVER_POLLED = "never polled"
RECENT_POLLS = 10  # polls listed per source by `sources list --json` and /api/sources


def shown_status(source: Source) -> str:
    """The status people read: `never polled` for an enabled source not contacted yet (stored as `ok`)."""
    return NEVER_POLLED if source.status == "ok" and source.last_checked is None else source.status


def source_summaries(session: Session) -> list[dict[str, Any]]:
    """One dict per source in the `sources list --json` shape. `listed`: entries in its last listing;
    `stored`: its articles (the same as `articles`); `pages_pending` / `pages_failed`: articles stored from
    the listing's text whose page is still to come / was given up; `health`, `failing_since`, `push`: issue 18;
    `polls`: its latest polls, newest first."""
    counts = dict(session.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all())
    pages = fetch_counts(session)
    health, push = health_by_source(session), push_by_source(session)
    polls = recent_polls_by_source(session, RECENT_POLLS)
    rows = session.scalars(select(Source).order_by(Source.name))
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "url": s.url,
            "status": shown_status(s),
            "last_error": s.last_error,
            "last_checked": s.last_checked.isoformat() if s.last_checked else None,
            "next_check": s.next_check.isoformat() if s.next_check else None,
            "articles": counts.get(s.id, 0),
            "listed": s.entries_listed,
            "stored": counts.get(s.id, 0),
            "pages_pending": pages.get(s.id, {}).get("pending", 0),
            "pages_failed": pages.get(s.id, {}).get("failed", 0),
            **health.get(s.id, {"health": "ok", "failing_since": None}),
            "push": push.get(s.id, "off"),
            "polls": polls.get(s.id, []),
        }
        for s in rows
    ]


def fetch_counts_text(summary: dict[str, Any]) -> str:
    """`listed 20, stored 20, pages pending 3, failed 1`: a summary's entry and page counts in words."""
    listed = "-" if summary["listed"] is None else summary["listed"]
    return (
        f"listed {listed}, stored {summary['stored']}, "
        f"pages pending {summary['pages_pending']}, failed {summary['pages_failed']}"
    )


def source_by_name(session: Session, name: str) -> Source:
    """The row of a configured source (sync_sources creates it)."""
    return session.scalars(select(Source).where(Source.name == name)).one()


def next_poll_due(session: Session) -> datetime | None:
    """When the next enabled source is due: now when one was never polled (no `next_check` yet), None when there
    is no enabled source."""
    rows = session.execute(select(Source.next_check).where(Source.status != "disabled")).scalars().all()
    if not rows:
        return None
    if any(r is None for r in rows):
        return utcnow()
    return min(r for r in rows if r is not None)


def source_by_name_or_none(session: Session, name: str) -> Source | None:
    """The row of a source, or None for a name no config ever had (a dashboard URL typed by hand)."""
    return session.scalars(select(Source).where(Source.name == name)).one_or_none()
