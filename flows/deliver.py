"""The `deliver` flow: send the alerts that are due. Triggered by `chipwatch.claim.notable`."""

from __future__ import annotations

from typing import Any

from prefect import flow

from chipwatch.flows.alert_tasks import deliver_alerts, queue_alerts
from chipwatch.flows.resources import opened


@flow(name="deliver", flow_run_name="deliver alerts", timeout_seconds=1800)
def deliver(config: str = "chipwatch.yaml", claim_ids: list[int] | None = None) -> dict[str, Any]:
    """Queue alerts for any claim not evaluated yet (a crashed `process` run), then deliver due rows.
    `claim_ids` names what triggered the run (shown in the UI); delivery covers everything due."""
    with opened(config) as (settings, db):
        queued = queue_alerts(db, settings)
        deliveries = deliver_alerts(db, settings)
    return {"alerts_queued": queued, "deliveries": deliveries}
