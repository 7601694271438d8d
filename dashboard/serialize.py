"""Rows to JSON-ready dicts: the shapes INTERFACES.md fixes for /api/..."""

from __future__ import annotations

from typing import Any

from chipwatch.redact import mask_url
from chipwatch.storage.claim_context import ClaimInContext
from chipwatch.storage.models import Alert
from chipwatch.storage.queries import ArticleView
from chipwatch.storage.records import claim_record, claim_with_article, iso


def claim_row_dict(row: ClaimInContext) -> dict[str, Any]:
    """A `/api/claims` item: the claim plus article_url, article_title, source, published."""
    return claim_with_article(
        row.claim,
        article_url=row.article_url,
        article_title=row.article_title,
        source=row.source,
        published=row.published,
    )


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
        "fetch_state": a.fetch_state,
        "fetch_error": a.fetch_error,
        "text": a.text,
        "claims": [claim_record(c) for c in view.claims],
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
