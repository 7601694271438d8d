"""The `digest` flow (scheduled): send the periodic digest of notable claims."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from chipwatch.alerts.digest import send_digests
from chipwatch.config import Settings
from chipwatch.flows.resources import opened
from chipwatch.storage.db import Database


@task(name="send digests", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[30, 120], timeout_seconds=600)
def send_digest_task(db: Database, settings: Settings) -> dict[str, Any]:
    report = send_digests(db, settings.alerts)
    return {"digests": report.digests, "queued": len(report.queued), "sent": report.delivery.sent}


@flow(name="digest", flow_run_name="send digests", timeout_seconds=1800)
def digest(config: str = "chipwatch.yaml") -> dict[str, Any]:
    with opened(config) as (settings, db):
        return send_digest_task(db, settings)
