"""The `poll` flow: poll the sources that are due and hand their new articles on.

Two modes. Inline (the default: `chipwatch demo`, `chipwatch run --prefect`): one run does the whole cycle,
the same steps as `chipwatch run` (chipwatch.pipeline.cycle). Event-driven (`process_inline: false`, as
deployed by prefect.yaml): each batch of new articles is announced as a `chipwatch.article.new` event that
triggers the `process` deployment, and as a fallback for lost events this flow processes articles left
waiting too long itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from chipwatch.config import Settings, SourceConfig
from chipwatch.flows.alert_tasks import deliver_alerts
from chipwatch.flows.events import EVENT_BATCH, announce_new_articles
from chipwatch.flows.process import process
from chipwatch.flows.resources import opened
from chipwatch.pipeline.cycle import CycleReport, finish_cycle, http_client, poll_one, poll_summary, prepare_sources
from chipwatch.pipeline.health import check_sources
from chipwatch.pipeline.poll import PollOutcome
from chipwatch.pipeline.websub import maintain_subscriptions
from chipwatch.storage.articles import stale_unprocessed
from chipwatch.storage.db import Database

STALE_AFTER_MINUTES = 5.0


@task(name="select sources", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], timeout_seconds=60)
def select_sources(db: Database, settings: Settings, only_due: bool, names: list[str] | None) -> list[SourceConfig]:
    due = prepare_sources(db, settings, only_due=only_due)
    return [s for s in due if names is None or s.name in names]


# No task timeout: submitted tasks run in threads, which a timeout cannot interrupt; every request
# has its own timeouts and size limit (http settings), which bound the poll instead.
@task(
    name="poll source",
    task_run_name="poll {source.name}",
    retries=2,
    retry_delay_seconds=[5, 30],
    cache_policy=NO_CACHE,
)
def poll_source_task(
    db: Database, settings: Settings, source: SourceConfig, event_batch: int | None
) -> tuple[PollOutcome, int]:
    """Poll one source; with `event_batch`, announce its new articles as soon as they are stored
    (not after the slowest source of this run), in events of that many ids. Returns the outcome and the
    number of events sent."""
    with http_client(settings) as client:
        out = poll_one(db, settings, source, client)
    new = out.new_article_ids
    events = announce_new_articles(source.name, new, event_batch) if event_batch and new else 0
    log = get_run_logger()
    if out.error:
        log.warning("source %s: %s", source.name, out.error)
    log.info("source %s: %d listed, %d new articles %s, %d events", source.name, out.listed, len(new), new, events)
    return out, events


@task(name="process articles and deliver alerts", cache_policy=NO_CACHE, retries=1, timeout_seconds=3600)
def finish_cycle_task(db: Database, settings: Settings, polls: list[PollOutcome]) -> CycleReport:
    return finish_cycle(db, settings, CycleReport(polls=polls))


@task(name="find stale articles", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], timeout_seconds=60)
def find_stale(db: Database, minutes: float) -> list[int]:
    with db.session() as session:
        return stale_unprocessed(session, timedelta(minutes=minutes))


@task(name="keep WebSub subscriptions", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=[10], timeout_seconds=300)
def websub_task(db: Database, settings: Settings) -> int:
    """Subscribe, renew and unsubscribe at hubs as due; returns how many requests were sent."""
    with http_client(settings) as client:
        return len(maintain_subscriptions(db, settings, client))


@task(name="check source health", cache_policy=NO_CACHE, retries=1, timeout_seconds=300)
def health_task(db: Database, settings: Settings, polls: list[PollOutcome]) -> list[str]:
    """One alert when a source breaks, one when it works again (queued here, sent by deliver_alerts)."""
    return [f"{c.source}: {c.change}" for c in check_sources(db, settings, polls)]


@flow(name="poll", flow_run_name="poll sources", timeout_seconds=3600)
def poll(
    config: str = "chipwatch.yaml",
    only_due: bool = False,
    process_inline: bool = True,
    sources: list[str] | None = None,
    stale_after_minutes: float = STALE_AFTER_MINUTES,
    event_batch: int = EVENT_BATCH,
) -> dict[str, Any]:
    """Poll sources (all, or the group named in `sources`); returns a summary."""
    batch = None if process_inline else event_batch
    with opened(config) as (settings, db):
        due = select_sources(db, settings, only_due, sources)
        results = [f.result() for f in [poll_source_task.submit(db, settings, s, batch) for s in due]]
        polls = [outcome for outcome, _ in results]
        if settings.public_url:
            websub_task(db, settings)
        if process_inline:
            return finish_cycle_task(db, settings, polls).summary()
        # Fallback for lost events or crashed runs: articles waiting longer than this are done here.
        stale = find_stale(db, stale_after_minutes)
        fallback = process(config=config, article_ids=stale) if stale else None
        health = health_task(db, settings, polls)
        # Retries come due with no new event to trigger `deliver`; each poll sends them (claimed rows only).
        deliveries = deliver_alerts(db, settings)
    return {
        "polls": [{**poll_summary(p), "events": events} for p, events in results],
        "events": sum(events for _, events in results),
        "stale": stale,
        "fallback": fallback,
        "health": health,
        "deliveries": deliveries,
    }
