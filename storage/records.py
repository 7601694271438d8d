"""Stored rows as JSON-ready dicts, in the shapes INTERFACES.md fixes (export and API share them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chipwatch.storage.models import Claim


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def claim_record(claim: Claim) -> dict[str, Any]:
    """A stored claim in the `analyze --json` claim shape plus its ids and time."""
    return {
        "id": claim.id,
        "article_id": claim.article_id,
        "text": claim.text,
        "language": claim.language,
        "entities": claim.entities,
        "topics": claim.topics,
        "stance": claim.stance,
        "quantities": claim.quantities,
        "score": claim.score,
        "notable": claim.notable,
        "why": claim.why,
        "created_at": iso(claim.created_at),
        # null while the article still makes the claim; when set, a later version of the article dropped it
        "withdrawn_at": iso(claim.withdrawn_at),
        # the cluster of claims stating the same fact or event (null: stored before clustering existed)
        "cluster_id": claim.cluster_id,
    }


def claim_with_article(
    claim: Claim, *, article_url: str, article_title: str | None, source: str, published: datetime | None
) -> dict[str, Any]:
    """A `/api/claims` item and an exported claim: the claim plus where it came from."""
    return {
        **claim_record(claim),
        "article_url": article_url,
        "article_title": article_title,
        "source": source,
        "published": iso(published),
    }
