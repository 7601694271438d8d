"""One full cycle without Prefect: poll -> process -> enqueue alerts -> deliver.

`chipwatch run` calls this; the Prefect `poll` flow composes the same steps as tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from chipwatch.alerts.digest import queue_digests
from chipwatch.alerts.outbox import DeliveryReport, deliver_due, enqueue_alerts
from chipwatch.connectors.http import HttpClient, HttpOptions
from chipwatch.pipeline.poll import PollOutcome, poll_sources
from chipwatch.pipeline.process import ProcessOutcome, process_articles
from chipwatch.settings import Settings, SourceConfig
from chipwatch.storage.db import Database
from chipwatch.storage.sources import SourceSpec, sync_sources
from chipwatch.storage.types import utcnow


@dataclass
class CycleReport:
    polls: list[PollOutcome] = field(default_factory=list)
    processing: ProcessOutcome = field(default_factory=ProcessOutcome)
    alerts_queued: int = 0
    digests_queued: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


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
    return [s for s in settings.sources if s.enabled and s.name in due]


def run_cycle(
    db: Database,
    settings: Settings,
    *,
    only_due: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> CycleReport:
    report = CycleReport()
    with http_client(settings) as client:
        sources = prepare_sources(db, settings, only_due=only_due)
        report.polls = poll_sources(
            db,
            client,
            sources,
            workers=settings.http.workers,
            max_backoff=settings.http.max_backoff,
            progress=progress,
        )
    progress("extracting and analysing new articles")
    report.processing = process_articles(db)
    report.alerts_queued = len(enqueue_alerts(db, settings.alerts))
    report.digests_queued = len(queue_digests(db, settings.alerts).queued)  # due digest periods, once each
    progress("delivering alerts")
    report.delivery = deliver_due(db, settings.alerts)
    return report
