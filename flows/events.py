"""The events chipwatch's flows emit, and the resources they are about.

Deployments in prefect.yaml trigger on these names: `chipwatch.article.new` runs `process`,
`chipwatch.claim.notable` runs `deliver`. Payloads carry ids only, never text or secrets.
"""

from __future__ import annotations

from collections.abc import Sequence

from prefect.events import emit_event

ARTICLE_NEW = "chipwatch.article.new"
CLAIM_NOTABLE = "chipwatch.claim.notable"
# One event per this many ids, so one `process` run per event. A run costs seconds to start (a new
# process importing Prefect), so batches are large; several events still spread over workers.
EVENT_BATCH = 250


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


def announce_notable_claims(claim_ids: Sequence[int]) -> None:
    """Emit `chipwatch.claim.notable` so that the `deliver` deployment sends the queued alerts."""
    emit_event(
        event=CLAIM_NOTABLE,
        resource={"prefect.resource.id": "chipwatch.claims", "prefect.resource.name": "notable claims"},
        payload={"claim_ids": list(claim_ids)},
    )
