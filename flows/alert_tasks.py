"""Alert tasks shared by the flows: queue alerts for new claims, deliver what is due."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from chipwatch.alerts.outbox import deliver_due, enqueue_alerts
from chipwatch.flows.resources import database_for, settings_for


@task(name="queue alerts", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], timeout_seconds=300)
def queue_alerts(config: str) -> int:
    settings = settings_for(config)
    return len(enqueue_alerts(database_for(settings.database), settings.alerts))


@task(name="deliver alerts", retries=2, retry_delay_seconds=[10, 60], cache_policy=NO_CACHE, timeout_seconds=600)
def deliver_alerts(config: str) -> list[dict[str, Any]]:
    """Targets that fail are recorded on their rows with a next retry; this task retries only on a crash
    (e.g. the database went away)."""
    settings = settings_for(config)
    report = deliver_due(database_for(settings.database), settings.alerts)
    return [
        {"id": d.alert_id, "rule": d.rule, "target": d.target, "title": d.title, "error": d.error}
        for d in report.deliveries
    ]
