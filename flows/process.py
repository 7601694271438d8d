"""The `process` flow: claim new articles, extract and analyse them in parallel, store, queue alerts.

Triggered by `chipwatch.article.new` (the ids in the event payload); `poll` also calls it for
articles an event never reached. Claims go through the database, so any number of runs on any
number of workers never do an article twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from chipwatch.flows.alert_tasks import deliver_alerts, queue_alerts
from chipwatch.flows.events import announce_notable_claims
from chipwatch.flows.resources import database_for, settings_for
from chipwatch.pipeline.process import (
    DEFAULT_BATCH,
    Analysed,
    PendingArticle,
    ProcessOutcome,
    analyse_pending,
    claim_batch,
    default_worker_id,
    store_analysed,
)

LEASE_MINUTES = 5.0
# Threads, not Dask processes: bench/task_runner.py shows why (README, "Parallel analysis").
ANALYSIS_THREADS = 2


@task(name="claim articles", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], timeout_seconds=60)
def claim(config: str, worker: str, ids: list[int] | None, limit: int, lease_minutes: float) -> list[PendingArticle]:
    db = database_for(settings_for(config).database)
    pending = claim_batch(db, worker, lease=timedelta(minutes=lease_minutes), limit=limit, ids=ids)
    if pending:
        get_run_logger().info("claimed articles %s", [p.id for p in pending])
    return pending


# One task per slice of a batch, not per article: a task run costs Prefect bookkeeping (states,
# events, logs to the API) that outweighs the ~15 ms an article takes. No timeout: it cannot
# interrupt a worker thread (Prefect warns on every run); the flow has one.
@task(name="analyse articles", task_run_name="analyse articles {first_id}..", cache_policy=NO_CACHE)
def analyse(articles: list[PendingArticle], first_id: int) -> list[Analysed]:
    results = []
    for article in articles:
        try:
            results.append(analyse_pending(article))
        except Exception as exc:  # a bug in analysis is recorded on the article, not fatal for the batch
            results.append(Analysed(article, None, f"analysis crashed: {type(exc).__name__}: {exc}"))
    return results


@task(name="store results", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], timeout_seconds=300)
def store(config: str, worker: str, results: list[Analysed]) -> ProcessOutcome:
    db = database_for(settings_for(config).database)
    log = get_run_logger()
    out = ProcessOutcome()
    taken_over = []
    for result in results:
        one = store_analysed(db, result, worker)
        if one.failed:
            log.warning("article %s: %s", result.article.id, result.error)
        if one.taken_over:
            taken_over.append(result.article.id)
        out.add(one)
    log.info(
        "stored %d articles (%d failed), %d new claims (%d notable)%s",
        out.processed + out.failed,
        out.failed,
        len(out.new_claim_ids),
        len(out.notable_claim_ids),
        f"; finished by another worker first: {taken_over}" if taken_over else "",
    )
    return out


def _slices(pending: list[PendingArticle], n: int) -> list[list[PendingArticle]]:
    """`n` interleaved slices of about equal work (articles are sorted by id, not by size)."""
    return [s for s in (pending[i::n] for i in range(n)) if s]


@flow(
    name="process",
    flow_run_name="process articles",
    task_runner=ThreadPoolTaskRunner(max_workers=ANALYSIS_THREADS),
    timeout_seconds=3600,
)
def process(
    config: str = "chipwatch.yaml",
    article_ids: list[int] | None = None,
    limit: int = 500,
    batch: int = DEFAULT_BATCH,
    lease_minutes: float = LEASE_MINUTES,
    deliver_inline: bool = False,
) -> dict[str, Any]:
    """Process the given articles (or any waiting ones), then queue alerts and announce notable claims.

    `deliver_inline` also sends the due alerts at the end of this run, saving the start-up of a
    separate `deliver` run (the largest part of the event-to-alert latency). Safe with concurrent
    runs: outbox rows are claimed (SKIP LOCKED on PostgreSQL) before they are sent.
    """
    worker = default_worker_id()
    outcome = ProcessOutcome()
    while outcome.processed + outcome.failed + outcome.taken_over < limit:
        size = min(batch, limit)
        pending = claim(config, worker, article_ids, size, lease_minutes)
        if not pending:
            break
        slices = _slices(pending, ANALYSIS_THREADS)
        futures = [analyse.submit(part, part[0].id) for part in slices]
        results = [r for f in futures for r in f.result()]
        outcome.add(store(config, worker, results))
        if len(pending) < size:
            # A short batch took all there was: another claim (a task run, about a second on a
            # busy machine) would only hold up the alerts. Later arrivals have events of their own.
            break
    queued = queue_alerts(config) if outcome.new_claim_ids else 0
    if deliver_inline and queued:
        deliver_alerts(config)
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
