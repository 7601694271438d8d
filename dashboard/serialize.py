"""Rows to JSON-ready dicts: the shapes INTERFACES.md fixes for /api/..."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chipwatch.redact import mask_url
from chipwatch.storage.models import Alert, Claim
from chipwatch.storage.queries import ArticleView, ClaimRow


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def claim_dict(claim: Claim) -> dict[str, Any]:
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
    }


def claim_row_dict(row: ClaimRow) -> dict[str, Any]:
    """A `/api/claims` item: the claim plus article_url, article_title, source, published."""
    return {
        **claim_dict(row.claim),
        "article_url": row.article_url,
        "article_title": row.article_title,
        "source": row.source,
        "published": iso(row.published),
    }


def article_dict(view: ArticleView) -> dict[str, Any]:
    a = view.article
    return {
        "id": a.id,
        "source": view.source,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "title": a.title,
        "language": a.language,
        "published": iso(a.published),
        "fetched_at": iso(a.fetched_at),
        "status": a.status,
        "error": a.error,
        "text": a.text,
        "claims": [claim_dict(c) for c in view.claims],
    }


def source_dict(summary: dict[str, Any]) -> dict[str, Any]:
    """A `sources list --json` row with its URL masked (feed URLs may carry keys)."""
    return {**summary, "url": mask_url(summary["url"]) if summary.get("url") else summary.get("url")}


def alert_dict(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule": alert.rule,
        "claim_id": alert.claim_id,
        "target": mask_url(alert.target),  # stored masked already; masked again in case of older rows
        "title": alert.title,
        "state": alert.state,
        "attempts": alert.attempts,
        "last_error": alert.last_error,
        "created_at": iso(alert.created_at),
        "next_attempt_at": iso(alert.next_attempt_at),
        "sent_at": iso(alert.sent_at),
    }
