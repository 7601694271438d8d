"""Article rows: which entries are new, storing fetched documents, and their processing outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from chipwatch.storage.models import Article
from chipwatch.storage.types import utcnow
from chipwatch.storage.upsert import insert_ignore


@dataclass(frozen=True)
class NewArticle:
    source_id: int
    url: str
    canonical_url: str
    guid: str | None
    title: str | None
    published: datetime | None
    content_type: str | None
    raw: bytes | None
    error: str | None = None  # set when the document could not be fetched: stored as an `error` row


def unseen(session: Session, source_id: int, keys: Sequence[tuple[str, str | None]]) -> set[str]:
    """Of (canonical_url, guid) pairs, the canonical URLs not stored yet under either key.

    Checked in batches so a feed with hundreds of entries costs a few queries, not hundreds.
    """
    out: set[str] = set()
    for start in range(0, len(keys), 200):
        batch = keys[start : start + 200]
        urls = [u for u, _ in batch]
        guids = [g for _, g in batch if g]
        cond = Article.canonical_url.in_(urls)
        if guids:
            cond = or_(cond, (Article.source_id == source_id) & Article.guid.in_(guids))
        known = session.execute(select(Article.canonical_url, Article.guid).where(cond)).all()
        known_urls = {u for u, _ in known}
        known_guids = {g for _, g in known if g}
        out.update(u for u, g in batch if u not in known_urls and not (g and g in known_guids))
    return out


def add_articles(session: Session, articles: Sequence[NewArticle]) -> list[int]:
    """Insert the articles not stored yet (by canonical URL); return the new ids."""
    now = utcnow()
    rows = [
        {
            "source_id": a.source_id,
            "url": a.url,
            "canonical_url": a.canonical_url,
            "guid": a.guid,
            "title": a.title,
            "published": a.published,
            "fetched_at": now,
            "content_type": a.content_type,
            "raw": a.raw,
            "status": "error" if a.error else "new",
            "error": a.error,
        }
        for a in articles
    ]
    return insert_ignore(session, Article, rows, ["canonical_url"])


def changed_since_fetch(session: Session, updated: dict[str, datetime]) -> dict[str, int]:
    """Of canonical URLs with the time their source says they changed, the stored articles fetched
    before that change (duplicates excluded: their original is the one that matters)."""
    out: dict[str, int] = {}
    keys = list(updated)
    for start in range(0, len(keys), 200):
        batch = keys[start : start + 200]
        stmt = select(Article.canonical_url, Article.id, Article.fetched_at).where(
            Article.canonical_url.in_(batch), Article.status != "duplicate"
        )
        for url, article_id, fetched_at in session.execute(stmt).all():
            if fetched_at is not None and fetched_at.tzinfo is None:
                fetched_at = fetched_at.replace(tzinfo=updated[url].tzinfo)
            if fetched_at is None or fetched_at < updated[url]:
                out[url] = article_id
    return out


def refresh_article(session: Session, article_id: int, *, raw: bytes, content_type: str | None) -> None:
    """New bytes for a changed article: back to `new`, so processing reads it again. Claims are keyed
    by (article, sentence), so only sentences that are new produce new claims and alerts."""
    session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(raw=raw, content_type=content_type, status="new", error=None, fetched_at=utcnow())
    )


def articles_to_process(session: Session, limit: int = 500, ids: Sequence[int] | None = None) -> list[Article]:
    """Articles waiting for extraction and analysis, oldest first (optionally only these ids)."""
    stmt = select(Article).where(Article.status == "new").order_by(Article.id).limit(limit)
    if ids is not None:
        stmt = stmt.where(Article.id.in_(list(ids)))
    return list(session.scalars(stmt))


def stale_unprocessed(session: Session, older_than: timedelta) -> list[int]:
    """Ids of articles left `new` for longer than `older_than` (a lost event or a crashed run)."""
    cutoff = utcnow() - older_than
    stmt = select(Article.id).where(Article.status == "new", Article.fetched_at < cutoff).order_by(Article.id)
    return list(session.scalars(stmt))


def mark_processed(
    session: Session, article_id: int, *, text: str, title: str | None, language: str, content_hash: str
) -> None:
    """Keep the extracted text and drop the raw bytes: the text is what later stages read."""
    values = dict(
        text=text,
        language=language,
        content_hash=content_hash,
        status="processed",
        error=None,
        raw=None,
        processed_at=utcnow(),
    )
    if title:
        values["title"] = title
    session.execute(update(Article).where(Article.id == article_id).values(**values))


def mark_failed(session: Session, article_id: int, error: str) -> None:
    """Record why an article could not be processed; it keeps its raw bytes for a later retry."""
    session.execute(update(Article).where(Article.id == article_id).values(status="error", error=error[:2000]))


def articles_by_ids(session: Session, ids: Sequence[int]) -> list[Article]:
    return list(session.scalars(select(Article).where(Article.id.in_(list(ids))).order_by(Article.id)))


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0
