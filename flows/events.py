"""The events chipwatch's flows emit, and the resources they are about.

Deployments in prefect.yaml trigger on these names: `chipwatch.article.new` runs `process`,
`chipwatch.claim.notable` runs `deliver` when its resource says alerts are still to be sent
(`chipwatch.delivery: pending`). Payloads carry ids only, never text or secrets.
"""

from __future__ import annotations

from collections.abc import Sequence

from prefect.events import emit_event

ARTICLE_NEW = "chipwatch.article.new"
CLAIM_NOTABLE = "chipwatch.claim.notable"
# One event per this many ids, so one `process` run per event. A run costs seconds to start (a new
# process importing Prefect), so batches are large; several events still spread over workers.
EVENT_BATCH = 250
# Resource label of `chipwatch.claim.notable`: "pending" (the `deliver` trigger matches it) or "sent".
DELIVERY_LABEL = "chipwatch.delivery"


def announce_new_articles(source: str, article_ids: Sequence[int], batch: int = EVENT_BATCH) -> int:
    """Emit `chipwatch.article.new` for each batch of ids; returns how many events were sent."""
    ids = list(article_ids)
    chunks = [ids[i : i + batch] for i in range(0, len(ids), batch)]
    for chunk in chunks:
        emit_event(
            event=ARTICLE_NEW,
            resource={"prefect.resource.id": f"chipwatch.source.{source}", "prefect.resource.name": source},
            payload={"article_ids": chunk, "source": source},
        )
    return len(chunks)


def announce_notable_claims(claim_ids: Sequence[int], *, delivered: bool = False) -> None:
    """Emit `chipwatch.claim.notable`. Unless the emitting run has already sent the alerts
    (`delivered`), the event triggers `deliver`; a `deliver` run with nothing due is a whole
    flow-run process start-up spent for nothing, taking CPU from the runs that carry alerts."""
    emit_event(
        event=CLAIM_NOTABLE,
        resource={
            "prefect.resource.id": "chipwatch.claims",
            "prefect.resource.name": "notable claims",
            DELIVERY_LABEL: "sent" if delivered else "pending",
        },
        payload={"claim_ids": list(claim_ids)},
    )
