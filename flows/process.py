"""The `process` flow: analyse new articles, store their claims, queue alerts, announce notable claims.

Triggered by `chipwatch.article.new` (the ids in the event payload); `poll` also calls it for
articles an event never reached. Articles are leased through the database, so any number of runs on any
number of workers never do an article twice (chipwatch.pipeline.process holds the batch loop).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from chipwatch.flows.alert_tasks import deliver_alerts, queue_alerts
from chipwatch.flows.events import announce_notable_claims
from chipwatch.flows.resources import opened
from chipwatch.pipeline.pool import AnalysisPool
from chipwatch.pipeline.process import DEFAULT_BATCH, DEFAULT_LEASE, ProcessOutcome, process_articles
from chipwatch.storage.db import Database
from chipwatch.workers import new_worker_id


# One task for the whole batch loop, not one per article: a task run costs Prefect bookkeeping (states,
# events, logs to the API) that outweighs the ~15 ms an article takes. No retries: an article that fails is
# recorded on its row, and one left in hand by a crash is taken again when its lease ends.
@task(name="process articles", cache_policy=NO_CACHE, timeout_seconds=3600)
def process_task(
    db: Database,
    worker: str,
    ids: list[int] | None,
    limit: int,
    batch: int,
    lease: timedelta,
    cores: int | None = None,
    drain: bool = False,
) -> ProcessOutcome:
    # Extraction and analysis on `cores` processes (default: every core), started only for a batch big
    # enough to be worth it and kept for the rest of this run's backlog (chipwatch.pipeline.pool).
    with AnalysisPool(cores) as pool:
        outcome = process_articles(
            db, ids, limit, worker_id=worker, lease=lease, batch=batch, map_fn=pool.map, then_waiting=drain
        )
    get_run_logger().info(
        "stored %d articles (%d failed), %d new claims (%d notable)%s",
        outcome.processed + outcome.failed,
        outcome.failed,
        len(outcome.new_claim_ids),
        len(outcome.notable_claim_ids),
        f"; {outcome.taken_over} finished by another worker first" if outcome.taken_over else "",
    )
    return outcome


@flow(name="process", flow_run_name="process articles", timeout_seconds=3600)
def process(
    config: str = "chipwatch.yaml",
    article_ids: list[int] | None = None,
    limit: int = 500,
    batch: int = DEFAULT_BATCH,
    lease_minutes: float = DEFAULT_LEASE.total_seconds() / 60,
    deliver_inline: bool = False,
    drain: bool = True,
) -> dict[str, Any]:
    """Process the given articles (or any waiting ones), then queue alerts and announce notable claims.

    `deliver_inline` also sends the due alerts at the end of this run, saving the start-up of a
    separate `deliver` run (the largest part of the event-to-alert latency). Safe with concurrent
    runs: outbox rows are claimed (SKIP LOCKED on PostgreSQL) before they are sent.

    `drain`: after `article_ids`, take any other waiting articles too (up to `limit`), so concurrent
    runs on several workers share a backlog evenly whatever the size of the event that started each.
    """
    worker = new_worker_id()
    with opened(config) as (settings, db):
        outcome = process_task(
            db,
            worker,
            article_ids,
            limit,
            batch,
            timedelta(minutes=lease_minutes),
            settings.processing.workers,
            drain,
        )
        # Withdrawn and restored claims put claims back before the rules (storage/alert_claims.py) as new ones do.
        changed = outcome.new_claim_ids or outcome.withdrawn_claim_ids or outcome.restored_claim_ids
        queued = queue_alerts(db, settings) if changed else 0
        if deliver_inline and queued:
            deliver_alerts(db, settings)
    if outcome.notable_claim_ids or queued:
        # Sent inline: no `deliver` run. Failed sends wait for their retry time, which `poll` serves.
        announce_notable_claims(outcome.notable_claim_ids, delivered=deliver_inline or not queued)
    return {
        "worker": worker,
        "processed": outcome.processed,
        "failed": outcome.failed,
        "taken_over": outcome.taken_over,
        "claims": outcome.new_claim_ids,
        "notable": outcome.notable_claim_ids,
        "alerts_queued": queued,
        "errors": outcome.errors,
    }
