"""Alert tasks shared by the flows: queue alerts for new claims, deliver what is due."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.config import Settings
from chipwatch.pipeline.cycle import delivery_summary
from chipwatch.storage.db import Database


@task(name="queue alerts", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], timeout_seconds=300)
def queue_alerts(db: Database, settings: Settings) -> int:
    return len(enqueue_alerts(db, settings.alerts))


@task(name="deliver alerts", retries=2, retry_delay_seconds=[10, 60], cache_policy=NO_CACHE, timeout_seconds=600)
def deliver_alerts(db: Database, settings: Settings) -> list[dict[str, Any]]:
    """Targets that fail are recorded on their rows with a next retry; this task retries only on a crash
    (e.g. the database went away)."""
    return delivery_summary(deliver_due(db, settings.alerts))
