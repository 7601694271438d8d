"""Everything stored, as plain dicts, streamed in id order (for `chipwatch export`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipwatch.storage.models import Alert, Article, Claim, Source
from chipwatch.storage.records import claim_with_article, iso

KINDS = ("claims", "articles", "alerts")


def export_rows(session: Session, kind: str, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Yield every row of `kind` as a JSON-ready dict, fetched in batches to bound memory."""
    if kind == "claims":
        stmt = (
            select(Claim, Article.canonical_url, Article.title, Source.name, Article.published)
            .join(Article, Claim.article_id == Article.id)
            .join(Source, Article.source_id == Source.id)
            .order_by(Claim.id)
        )
        for claim, url, title, source, published in session.execute(stmt.execution_options(yield_per=batch)):
            yield claim_with_article(claim, article_url=url, article_title=title, source=source, published=published)
    elif kind == "articles":
        stmt = select(Article, Source.name).join(Source, Article.source_id == Source.id).order_by(Article.id)
        for art, source in session.execute(stmt.execution_options(yield_per=batch)):
            yield {
                "id": art.id,
                "source": source,
                "url": art.url,
                "canonical_url": art.canonical_url,
                "guid": art.guid,
                "title": art.title,
                "language": art.language,
                "published": iso(art.published),
                "fetched_at": iso(art.fetched_at),
                "status": art.status,
                "error": art.error,
                "fetch_state": art.fetch_state,
                "fetch_attempts": art.fetch_attempts,
                "fetch_error": art.fetch_error,
                "text": art.text,
            }
    elif kind == "alerts":
        for alert in session.scalars(select(Alert).order_by(Alert.id).execution_options(yield_per=batch)):
            yield {
                "id": alert.id,
                "dedup_key": alert.dedup_key,
                "rule": alert.rule,
                "claim_id": alert.claim_id,
                "target": alert.target,
                "title": alert.title,
                "state": alert.state,
                "attempts": alert.attempts,
                "last_error": alert.last_error,
                "created_at": iso(alert.created_at),
                "sent_at": iso(alert.sent_at),
            }
    else:
        raise ValueError(f"unknown export kind {kind!r}; use one of {', '.join(KINDS)}")
