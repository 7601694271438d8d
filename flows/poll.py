"""The `poll` flow: poll every source, process what is new, queue and deliver alerts."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from chipwatch.alerts.outbox import deliver_due, enqueue_alerts
from chipwatch.flows.resources import database_for, settings_for
from chipwatch.pipeline.cycle import http_client, prepare_sources
from chipwatch.pipeline.poll import poll_source
from chipwatch.pipeline.process import process_articles


@task(name="select sources", cache_policy=NO_CACHE)
def select_sources(config: str, only_due: bool) -> list[str]:
    settings = settings_for(config)
    return [s.name for s in prepare_sources(database_for(settings.database), settings, only_due=only_due)]


@task(
    name="poll source",
    task_run_name="poll {source}",
    retries=2,
    retry_delay_seconds=[5, 30],
    cache_policy=NO_CACHE,
)
def poll_one(config: str, source: str) -> dict[str, Any]:
    settings = settings_for(config)
    cfg = next(s for s in settings.sources if s.name == source)
    with http_client(settings) as client:
        out = poll_source(database_for(settings.database), client, cfg)
    get_run_logger().info(
        "source %s: %d listed, %d new (article ids %s)%s",
        source,
        out.listed,
        len(out.new_article_ids),
        out.new_article_ids[:20],
        f"; error: {out.error}" if out.error else "",
    )
    return {
        "source": out.source,
        "listed": out.listed,
        "new": out.new_article_ids,
        "not_modified": out.not_modified,
        "error": out.error,
    }


@task(name="process articles", cache_policy=NO_CACHE)
def process_new(config: str) -> dict[str, Any]:
    settings = settings_for(config)
    out = process_articles(database_for(settings.database))
    get_run_logger().info(
        "%d articles processed, %d failed, %d new claims", out.processed, out.failed, len(out.new_claim_ids)
    )
    return {
        "processed": out.processed,
        "failed": out.failed,
        "claims": out.new_claim_ids,
        "errors": out.errors,
    }


@task(name="queue alerts", cache_policy=NO_CACHE)
def queue_alerts(config: str) -> int:
    settings = settings_for(config)
    return len(enqueue_alerts(database_for(settings.database), settings.alerts))


@task(name="deliver alerts", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def deliver_alerts(config: str) -> list[dict[str, Any]]:
    settings = settings_for(config)
    report = deliver_due(database_for(settings.database), settings.alerts)
    return [
        {"id": d.alert_id, "rule": d.rule, "target": d.target, "title": d.title, "error": d.error}
        for d in report.deliveries
    ]


@flow(name="poll", flow_run_name="poll {config}")
def poll(config: str = "chipwatch.yaml", only_due: bool = False) -> dict[str, Any]:
    """Poll sources, process new articles, queue and deliver alerts; returns a summary."""
    sources = select_sources(config, only_due)
    polls = [f.result() for f in [poll_one.submit(config, s) for s in sources]]
    processing = process_new(config)
    queued = queue_alerts(config)
    deliveries = deliver_alerts(config)
    return {"polls": polls, "processing": processing, "alerts_queued": queued, "deliveries": deliveries}
