"""The `poll` flow: poll the sources that are due and hand their new articles on.

Two modes. Inline (the default: `chipwatch demo`, `chipwatch run --prefect`): one run does the
whole cycle. Event-driven (`process_inline: false`, as deployed by prefect.yaml): each batch of new
articles is announced as a `chipwatch.article.new` event that triggers the `process` deployment,
and as a fallback for lost events this flow processes articles left waiting too long itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from chipwatch.flows.alert_tasks import deliver_alerts, queue_alerts
from chipwatch.flows.events import EVENT_BATCH, announce_new_articles
from chipwatch.flows.process import process
from chipwatch.flows.resources import database_for, settings_for
from chipwatch.pipeline.cycle import http_client, prepare_sources
from chipwatch.pipeline.poll import poll_source
from chipwatch.pipeline.process import process_articles
from chipwatch.storage.articles import stale_unprocessed

STALE_AFTER_MINUTES = 5.0


@task(name="select sources", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], timeout_seconds=60)
def select_sources(config: str, only_due: bool, names: list[str] | None = None) -> list[str]:
    settings = settings_for(config)
    due = [s.name for s in prepare_sources(database_for(settings.database), settings, only_due=only_due)]
    return [n for n in due if names is None or n in names]


# No task timeout: submitted tasks run in threads, which a timeout cannot interrupt; every request
# has its own timeouts and size limit (http settings), which bound the poll instead.
@task(name="poll source", task_run_name="poll {source}", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def poll_one(config: str, source: str, event_batch: int | None = None) -> dict[str, Any]:
    """Poll one source; with `event_batch`, announce its new articles as soon as they are stored
    (not after the slowest source of this run), in events of that many ids."""
    settings = settings_for(config)
    cfg = next(s for s in settings.sources if s.name == source)
    with http_client(settings) as client:
        out = poll_source(database_for(settings.database), client, cfg)
    new = out.new_article_ids
    events = announce_new_articles(source, new, event_batch) if event_batch and new else 0
    log = get_run_logger()
    if out.error:
        log.warning("source %s: %s", source, out.error)
    log.info("source %s: %d listed, %d new articles %s, %d events", source, out.listed, len(new), new, events)
    return {
        "source": out.source,
        "listed": out.listed,
        "new": out.new_article_ids,
        "not_modified": out.not_modified,
        "error": out.error,
        "events": events,
    }


@task(name="process articles", cache_policy=NO_CACHE, timeout_seconds=3600)
def process_new(config: str) -> dict[str, Any]:
    settings = settings_for(config)
    out = process_articles(database_for(settings.database))
    return {
        "processed": out.processed,
        "failed": out.failed,
        "claims": out.new_claim_ids,
        "errors": out.errors,
    }


@task(name="find stale articles", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], timeout_seconds=60)
def find_stale(config: str, minutes: float) -> list[int]:
    db = database_for(settings_for(config).database)
    with db.session() as session:
        return stale_unprocessed(session, timedelta(minutes=minutes))


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
    names = select_sources(config, only_due, sources)
    batch = None if process_inline else event_batch
    polls = [f.result() for f in [poll_one.submit(config, s, batch) for s in names]]
    if process_inline:
        processing = process_new(config)
        queued = queue_alerts(config)
        deliveries = deliver_alerts(config)
        return {"polls": polls, "processing": processing, "alerts_queued": queued, "deliveries": deliveries}
    events = sum(p["events"] for p in polls)
    # Fallback for lost events or crashed runs: articles waiting longer than this are done here.
    stale = find_stale(config, stale_after_minutes)
    fallback = process(config=config, article_ids=stale) if stale else None
    # Retries come due with no new event to trigger `deliver`; each poll sends them (claimed rows only).
    deliveries = deliver_alerts(config)
    return {"polls": polls, "events": events, "stale": stale, "fallback": fallback, "deliveries": deliveries}
