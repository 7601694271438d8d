"""One full cycle: poll -> process -> queue alerts and due digests -> deliver. The one place that says what a cycle
is: `chipwatch run` calls `run_cycle`; the Prefect `poll` flow polls each source as a task of its own and then
calls `finish_cycle`, so both do the same steps in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chipwatch.alerts.delivery import DeliveryReport, deliver_due
from chipwatch.alerts.digest import queue_digests
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.config import Settings, SourceConfig
from chipwatch.connectors.http import HttpClient, HttpOptions
from chipwatch.pipeline.health import HealthChange, check_sources
from chipwatch.pipeline.poll import PollOutcome, poll_source, poll_sources
from chipwatch.pipeline.pool import AnalysisPool
from chipwatch.pipeline.process import ProcessOutcome, process_articles
from chipwatch.pipeline.websub import maintain_subscriptions
from chipwatch.storage.db import Database
from chipwatch.storage.page_fetch import PageRetryPolicy
from chipwatch.storage.sources import SourceSpec, sync_sources
from chipwatch.storage.types import utcnow
from chipwatch.storage.websub import live_source_ids

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


@dataclass
class CycleReport:
    polls: list[PollOutcome] = field(default_factory=list)
    processing: ProcessOutcome = field(default_factory=ProcessOutcome)
    alerts_queued: int = 0
    digests_queued: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    health: list[HealthChange] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The JSON-ready summary the `poll` flow returns and the demo prints."""
        return {
            "polls": [poll_summary(p) for p in self.polls],
            "processing": {
                "processed": self.processing.processed,
                "failed": self.processing.failed,
                "claims": self.processing.new_claim_ids,
                "errors": self.processing.errors,
            },
            "alerts_queued": self.alerts_queued,
            "digests_queued": self.digests_queued,
            "deliveries": delivery_summary(self.delivery),
        }


def poll_summary(outcome: PollOutcome) -> dict[str, Any]:
    return {
        "source": outcome.source,
        "listed": outcome.listed,
        "new": outcome.new_article_ids,
        "not_modified": outcome.not_modified,
        "error": outcome.error,
    }


def delivery_summary(report: DeliveryReport) -> list[dict[str, Any]]:
    return [
        {"id": d.alert_id, "rule": d.rule, "target": d.target, "title": d.title, "error": d.error, "state": d.state}
        for d in report.deliveries
    ]


def http_client(settings: Settings) -> HttpClient:
    h = settings.http
    return HttpClient(
        HttpOptions(
            timeout=h.timeout,
            connect_timeout=h.connect_timeout,
            max_bytes=h.max_bytes,
            user_agent=h.user_agent,
            allow_private_networks=h.allow_private_networks,
            read_timeout=h.read_timeout,
            max_redirects=h.max_redirects,
            http2=h.http2,
            allow_hosts=tuple(h.allow_hosts),
            host_delay=h.host_delay,
            host_concurrency=h.host_concurrency,
        )
    )


def prepare_sources(db: Database, settings: Settings, *, only_due: bool) -> list[SourceConfig]:
    """Bring source rows in line with the config; return the enabled sources to poll now."""
    now = utcnow()
    with db.session() as session, session.begin():
        rows = sync_sources(session, [SourceSpec(s.name, s.kind, s.url or s.path, s.enabled) for s in settings.sources])
        due = {name for name, row in rows.items() if not only_due or row.next_check is None or row.next_check <= now}
        live = live_source_ids(session, now) if settings.public_url else set()
        pushed = {name for name, row in rows.items() if row.id in live}
    return [_fallback(s, settings) if s.name in pushed else s for s in settings.sources if s.enabled and s.name in due]


def _fallback(source: SourceConfig, settings: Settings) -> SourceConfig:
    """A source its hub pushes is still polled, as the fallback, at the slower `push_poll_every`."""
    return source.model_copy(update={"every": max(source.every, settings.push_poll_every)})


def page_retry_policy(settings: Settings) -> PageRetryPolicy:
    h = settings.http
    return PageRetryPolicy(first_delay=h.page_retry, max_attempts=h.page_attempts, give_up_after=h.page_give_up_after)


def poll_one(db: Database, settings: Settings, source: SourceConfig, client: HttpClient) -> PollOutcome:
    """Poll one source with the configured backoff (the `poll` flow's per-source task)."""
    return poll_source(
        db,
        client,
        source,
        max_backoff=settings.http.max_backoff,
        pages=page_retry_policy(settings),
        keep_history=settings.http.poll_history,
    )


def _unheard(_outcome: PollOutcome) -> None:
    pass


def run_cycle(
    db: Database,
    settings: Settings,
    *,
    only_due: bool = False,
    progress: Progress = _quiet,
    pool: AnalysisPool | None = None,
    on_sources: Callable[[int], None] = lambda _count: None,
    on_polled: Callable[[PollOutcome], None] = _unheard,
) -> CycleReport:
    """Poll the sources (all, or those due), then `finish_cycle`. `on_sources` hears how many sources will be
    polled, `on_polled` of each as it finishes (a progress display). With `pool`,
    extraction and analysis run on its worker processes; without, in this process."""
    with http_client(settings) as client:
        sources = prepare_sources(db, settings, only_due=only_due)
        on_sources(len(sources))
        polls = poll_sources(
            db,
            client,
            sources,
            workers=settings.http.workers,
            max_backoff=settings.http.max_backoff,
            keep_history=settings.http.poll_history,
            progress=progress,
            pages=page_retry_policy(settings),
            on_polled=on_polled,
        )
        if settings.public_url:
            maintain_subscriptions(db, settings, client)
    return finish_cycle(db, settings, CycleReport(polls=polls), progress=progress, pool=pool)


def finish_cycle(
    db: Database,
    settings: Settings,
    report: CycleReport | None = None,
    *,
    progress: Progress = _quiet,
    pool: AnalysisPool | None = None,
) -> CycleReport:
    """Everything after polling: analyse new articles, queue alerts for new claims and the digests that are due,
    deliver what is due. Every step is idempotent, so a retry of the whole call is safe."""
    report = report or CycleReport()
    progress("extracting and analysing new articles")
    report.processing = process_articles(db, map_fn=pool.map if pool is not None else map)
    report.alerts_queued = len(enqueue_alerts(db, settings.alerts))
    report.digests_queued = len(queue_digests(db, settings.alerts).queued)  # due digest periods, once each
    report.health = check_sources(db, settings, report.polls)  # one alert when a source breaks, one when it mends
    progress("delivering alerts")
    report.delivery = deliver_due(db, settings.alerts)
    return report
