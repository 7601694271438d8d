"""Article rows: which entries are new, storing fetched documents, and their processing outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update
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
    # The page's fetch state (see models.Article): `pending` rows hold the listing's text until the page comes.
    fetch_state: str = "fetched"
    fetch_error: str | None = None
    fetch_next_at: datetime | None = None


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
            "fetch_state": a.fetch_state,
            "fetch_attempts": 1 if a.fetch_error else 0,
            "fetch_error": a.fetch_error,
            "fetch_next_at": a.fetch_next_at,
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
    """New bytes for a changed article (or the page of one stored from its feed's text): back to `new`,
    so processing reads it again. Claims are keyed by (article, sentence), so only sentences that are
    new produce new claims and alerts; those the page no longer makes are withdrawn."""
    session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(
            raw=raw,
            content_type=content_type,
            status="new",
            error=None,
            fetched_at=utcnow(),
            fetch_state="fetched",
            fetch_next_at=None,
            fetch_error=None,
        )
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


def _free(now: datetime) -> ColumnElement[bool]:
    """Articles waiting for work that nobody holds: never claimed, released, or the lease ran out."""
    return (Article.status == "new") & (Article.lease_until.is_(None) | (Article.lease_until < now))


def claim_articles(
    session: Session,
    worker_id: str,
    lease: timedelta,
    limit: int = 50,
    ids: Sequence[int] | None = None,
    *,
    now: datetime | None = None,
    max_attempts: int = 5,
) -> list[Article]:
    """Lease up to `limit` waiting articles (oldest first, optionally only `ids`) to `worker_id`.

    Concurrent claimers never get the same row: on PostgreSQL the candidates are locked with
    `FOR UPDATE SKIP LOCKED` (others skip them instead of waiting); on SQLite the claim runs under
    the database's single write lock, and the UPDATE re-checks that each row is still free.
    A worker that dies keeps its rows only until `lease` runs out; then they are claimable again.
    An article claimed `max_attempts` times without finishing is marked `error` (it likely kills its
    worker) instead of being retried forever.

    Call this first in a fresh transaction and commit right after: on SQLite a transaction that read
    before it writes cannot wait for the write lock.
    """
    now = now or utcnow()
    # On SQLite this UPDATE also takes the database's write lock first, so the rest runs alone.
    _give_up_abandoned(session, now, max_attempts)
    candidates = select(Article.id).where(_free(now)).order_by(Article.id).limit(limit)
    if ids is not None:
        candidates = candidates.where(Article.id.in_(list(ids)))
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    # Two statements, not `UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)`:
    # PostgreSQL may rescan such a subquery and then update far more than `limit` rows.
    chosen = list(session.scalars(candidates))
    if not chosen:
        return []
    stmt = (
        update(Article)
        .where(Article.id.in_(chosen), _free(now))
        .values(claimed_by=worker_id, lease_until=now + lease, attempts=Article.attempts + 1)
        .returning(Article.id)
        .execution_options(synchronize_session=False)
    )
    claimed = list(session.scalars(stmt))
    return articles_by_ids(session, claimed) if claimed else []


def _give_up_abandoned(session: Session, now: datetime, max_attempts: int) -> None:
    stmt = (
        update(Article)
        .where(_free(now), Article.attempts >= max_attempts)
        .values(
            status="error",
            lease_until=None,
            error=(
                f"processing was started {max_attempts} times and never finished (the worker stopped each time); "
                "check the worker logs for this article id, then set its status back to `new` to retry"
            ),
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(stmt)


def release_articles(session: Session, worker_id: str, ids: Sequence[int]) -> None:
    """Give back leases this worker holds but will not finish (e.g. on shutdown), for others to take now."""
    if ids:
        session.execute(
            update(Article)
            .where(Article.id.in_(list(ids)), Article.claimed_by == worker_id, Article.status == "new")
            .values(claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def _finish(session: Session, article_id: int, worker_id: str | None, values: dict[str, object]) -> bool:
    """Apply the outcome unless another worker took the article over (fencing by the lease holder).
    `claimed_by` stays on the row: it tells which worker did the article."""
    stmt = update(Article).where(Article.id == article_id)
    if worker_id is not None:
        stmt = stmt.where(Article.claimed_by == worker_id, Article.status == "new")
    stmt = stmt.values(**values, lease_until=None).returning(Article.id)
    return session.execute(stmt.execution_options(synchronize_session=False)).scalar_one_or_none() is not None


def mark_processed(
    session: Session,
    article_id: int,
    *,
    text: str,
    title: str | None,
    language: str,
    content_hash: str,
    worker_id: str | None = None,
) -> bool:
    """Keep the extracted text and drop the raw bytes: the text is what later stages read.

    With `worker_id`, only the worker holding the lease may finish the article; returns False when
    another worker took it over (its lease ran out), so the caller can drop its own result.
    """
    values: dict[str, object] = dict(
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
    return _finish(session, article_id, worker_id, values)


def mark_failed(session: Session, article_id: int, error: str, *, worker_id: str | None = None) -> bool:
    """Record why an article could not be processed; it keeps its raw bytes for a later retry."""
    return _finish(session, article_id, worker_id, {"status": "error", "error": error[:2000]})


def articles_by_ids(session: Session, ids: Sequence[int]) -> list[Article]:
    return list(session.scalars(select(Article).where(Article.id.in_(list(ids))).order_by(Article.id)))


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0
