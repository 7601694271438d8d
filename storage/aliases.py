"""Article aliases and duplicate lookups: one article stored once, its other URLs recorded."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chipwatch.storage.models import Article, ArticleAlias
from chipwatch.storage.types import utcnow
from chipwatch.storage.upsert import insert_ignore

NEAR_DUP_WINDOW = 5000  # newest processed articles compared against a new one


def add_alias(session: Session, url: str, article_id: int, reason: str) -> bool:
    """Record `url` (canonical) as another address of `article_id`; False if it was known already."""
    row = {"url": url, "article_id": article_id, "reason": reason, "created_at": utcnow()}
    return bool(insert_ignore(session, ArticleAlias, [row], ["url"]))


def aliased(session: Session, urls: Iterable[str]) -> dict[str, int]:
    """Of these canonical URLs, those recorded as aliases, with the article each points to."""
    urls = list(urls)
    out: dict[str, int] = {}
    for start in range(0, len(urls), 200):
        batch = urls[start : start + 200]
        stmt = select(ArticleAlias.url, ArticleAlias.article_id).where(ArticleAlias.url.in_(batch))
        out.update((u, a) for u, a in session.execute(stmt).all())
    return out


def article_id_by_url(session: Session, canonical: str) -> int | None:
    """The article stored under this canonical URL, directly or as an alias."""
    found = session.scalar(select(Article.id).where(Article.canonical_url == canonical))
    if found is None:
        found = session.scalar(select(ArticleAlias.article_id).where(ArticleAlias.url == canonical))
    return found


def same_text(session: Session, content_hash: str, exclude: int) -> int | None:
    """The oldest processed article with exactly this text hash, other than `exclude`."""
    stmt = (
        select(Article.id)
        .where(Article.content_hash == content_hash, Article.status == "processed", Article.id != exclude)
        .order_by(Article.id)
        .limit(1)
    )
    return session.scalar(stmt)


def near_candidates(session: Session, exclude: int) -> list[tuple[int, int]]:
    """(id, simhash) of the newest processed articles, the window a new article is compared with."""
    stmt = (
        select(Article.id, Article.simhash)
        .where(Article.status == "processed", Article.simhash.is_not(None), Article.id != exclude)
        .order_by(Article.id.desc())
        .limit(NEAR_DUP_WINDOW)
    )
    return [(i, h) for i, h in session.execute(stmt).all() if h is not None]


def article_text(session: Session, article_id: int) -> str:
    return session.scalar(select(Article.text).where(Article.id == article_id)) or ""


def mark_duplicate(session: Session, article_id: int, original_id: int, reason: str, simhash: int | None) -> None:
    """Keep the re-post's row (its URL and guid stay known, so it is never fetched again) but no text
    or claims; its canonical URL becomes an alias of the original."""
    url = session.scalar(select(Article.canonical_url).where(Article.id == article_id))
    session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(
            status="duplicate",
            duplicate_of=original_id,
            raw=None,
            text=None,
            error=None,
            simhash=simhash,
            processed_at=utcnow(),
        )
    )
    if url:
        add_alias(session, url, original_id, reason)


def set_simhash(session: Session, article_id: int, simhash: int) -> None:
    session.execute(update(Article).where(Article.id == article_id).values(simhash=simhash))
