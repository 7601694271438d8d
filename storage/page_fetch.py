"""Article pages not fetched yet: which are due for another try, what a failed try records, and the
per-source counts of pages pending and given up.

An entry whose page fails is stored at once with its listing's text (fetch_state `pending`); the page
is tried again with a doubling delay until it arrives (refresh_article: `fetched`) or the attempts or
the age run out (`failed`: the listing's text stays, and fetch_error says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chipwatch.storage.models import Article

MAX_RETRY_DELAY = timedelta(days=1)
MAX_DUE_ROWS = 20_000  # due pages read per cycle; more wait for the next one


@dataclass(frozen=True)
class PageRetryPolicy:
    """When to try a page again and when to stop (the `http.page_*` settings)."""

    first_delay: timedelta = timedelta(minutes=10)
    max_attempts: int = 8
    give_up_after: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class PendingPage:
    """A stored article whose page is due for another try."""

    article_id: int
    url: str
    canonical_url: str
    attempts: int
    listed_at: datetime  # when the entry was first stored: the age limit counts from here


def next_try(attempts: int, now: datetime, policy: PageRetryPolicy) -> datetime:
    """first_delay * 2^(attempts-1), at most a day: quick for a blip, patient with a long outage."""
    delay = policy.first_delay * 2 ** min(max(attempts - 1, 0), 20)
    return now + min(delay, MAX_RETRY_DELAY)


def due_pages(session: Session, now: datetime, per_source: int) -> dict[int, list[PendingPage]]:
    """Pending pages whose next try has come, by source id, oldest first, at most `per_source` each.
    One query for every source of a cycle: the index on (fetch_state, source_id, fetch_next_at) serves it."""
    stmt = (
        select(Article.source_id, Article.id, Article.url, Article.canonical_url)
        .add_columns(Article.fetch_attempts, Article.fetched_at)
        .where(Article.fetch_state == "pending", Article.fetch_next_at <= now)
        .order_by(Article.source_id, Article.fetch_next_at, Article.id)
        .limit(MAX_DUE_ROWS)
    )
    out: dict[int, list[PendingPage]] = {}
    for source_id, *fields in session.execute(stmt):
        pages = out.setdefault(source_id, [])
        if len(pages) < per_source:
            pages.append(PendingPage(*fields))
    return out


def record_page_failure(
    session: Session, page: PendingPage, error: str, now: datetime, policy: PageRetryPolicy
) -> bool:
    """Count one more failed try; give up (`failed`) when the attempts or the age run out. True if given up."""
    attempts = page.attempts + 1
    listed_at = page.listed_at if page.listed_at.tzinfo else page.listed_at.replace(tzinfo=now.tzinfo)
    give_up = attempts >= policy.max_attempts or now - listed_at >= policy.give_up_after
    if give_up:
        values: dict[str, object] = dict(
            fetch_state="failed",
            fetch_next_at=None,
            fetch_error=(
                f"page not fetched after {attempts} attempts over {_days(now - listed_at)}; "
                f"kept the listing's text. Last error: {error}"
            )[:2000],
        )
    else:
        values = dict(fetch_next_at=next_try(attempts, now, policy), fetch_error=error[:2000])
    session.execute(
        update(Article)
        .where(Article.id == page.article_id, Article.fetch_state == "pending")
        .values(fetch_attempts=attempts, **values)
        .execution_options(synchronize_session=False)
    )
    return give_up


def fetch_counts(session: Session) -> dict[int, dict[str, int]]:
    """Per source id: how many of its articles have their page pending and failed for good."""
    stmt = (
        select(Article.source_id, Article.fetch_state, func.count())
        .where(Article.fetch_state.in_(("pending", "failed")))
        .group_by(Article.source_id, Article.fetch_state)
    )
    out: dict[int, dict[str, int]] = {}
    for source_id, state, count in session.execute(stmt).all():
        out.setdefault(source_id, {})[state] = count
    return out


def _days(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
