"""Source health: notice when a source stops working and say so once, then once more when it works again.

A source is failing when its last `alert_after_failures` polls (default 3) all failed, when it gave no new
article for longer than its `expect_new_within`, or when every page of its last poll with new articles failed
extraction (its layout changed under the extractor). The first check that finds a problem opens an episode and
queues one alert per health target through the outbox; later checks only refresh the problem's wording; the
first check that finds none closes the episode with one recovery notice. The outbox's dedup key is per
(source, episode), so reruns and concurrent checks never send twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from chipwatch.alerts.health import HealthEvent, health_alert_rows
from chipwatch.config import Settings, SourceConfig
from chipwatch.pipeline.poll import PollOutcome
from chipwatch.storage import outbox
from chipwatch.storage.db import Database
from chipwatch.storage.health import batch_extraction, health_row, last_article_at
from chipwatch.storage.models import Source
from chipwatch.storage.types import utcnow


@dataclass(frozen=True)
class HealthChange:
    source: str
    change: str  # failing | recovered
    problem: str
    alerts_queued: int


def check_sources(
    db: Database, settings: Settings, polls: Sequence[PollOutcome] = (), now: datetime | None = None
) -> list[HealthChange]:
    """Check every enabled source (those polled just now with their outcome); queue the alerts of any change."""
    now = now or utcnow()
    outcomes = {p.source: p for p in polls}
    changes: list[HealthChange] = []
    for source in settings.sources:
        if not source.enabled:
            continue
        with db.session() as session, session.begin():
            row = session.query(Source).filter(Source.name == source.name).one_or_none()
            if row is None:
                continue
            change = _check(session, settings, source, row, outcomes.get(source.name), now)
            if change is not None:
                changes.append(change)
    return changes


def _check(
    session: Session, settings: Settings, source: SourceConfig, row: Source, outcome: PollOutcome | None, now: datetime
) -> HealthChange | None:
    health = health_row(session, row.id, now)
    if outcome is not None and outcome.new_article_ids:
        health.pending_batch = sorted(set(health.pending_batch or []) | set(outcome.new_article_ids))
    layout_error = None
    if health.pending_batch:
        settled, failed, first = batch_extraction(session, health.pending_batch)
        if settled:
            health.layout_failing, health.pending_batch = failed, []
            layout_error = first
    problems = []
    if (row.failures or 0) >= source.alert_after_failures:
        problems.append(f"{row.failures} failed polls in a row; last error: {row.last_error}")
    if source.expect_new_within is not None:
        last = last_article_at(session, row.id) or health.watching_since
        if now - last > source.expect_new_within:
            problems.append(f"no new article for {_ago(now - last)} (expected within {_ago(source.expect_new_within)})")
    if health.layout_failing:
        detail = f"; first: {layout_error}" if layout_error else ""
        problems.append(f"layout changed? every new page of the last poll failed extraction{detail}")
    problem = "; ".join(problems) or None
    if problem is not None and health.problem is None:
        health.episode = (health.episode or 0) + 1
        health.failing_since = now
        health.problem = problem
        return _queue(session, settings, source, health.episode, "failing", problem, now)
    if problem is None and health.problem is not None:
        ended, since = health.problem, health.failing_since or now
        health.problem = health.failing_since = None
        return _queue(session, settings, source, health.episode, "recovered", ended, since)
    if problem is not None:
        health.problem = problem  # same episode: the wording may change, no new alert
    return None


def _queue(
    session: Session,
    settings: Settings,
    source: SourceConfig,
    episode: int,
    change: Literal["failing", "recovered"],
    problem: str,
    since: datetime,
) -> HealthChange:
    event = HealthEvent(source.name, source.url, episode, change, problem, since)
    ids = outbox.enqueue(session, health_alert_rows(settings.alerts, event), [])
    return HealthChange(source.name, change, problem, len(ids))


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}".replace(".0", "")
    return f"{seconds}s"
