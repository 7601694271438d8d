"""Poll sources: list their entries, store every new one, fetch the pages, retry the pages that failed.

Nothing listed is lost. An entry is stored when its source lists it: with its page when that downloads,
otherwise with the listing's own text (fetch_state `pending`; the page is retried with backoff and, when
it comes, refreshes the article through `refresh_article`). A source's validators (ETag, Last-Modified,
sitemap and directory state) are saved in the same transaction as every entry they cover, so a crash
between fetching a listing and storing it means the next poll is not conditional and lists them again.

Sources in backoff are left alone until their next_check; several sources are polled in parallel
threads, while the shared client's host gate keeps each site's load polite. `poll_sources` reads every
source row in one query and records all unchanged sources (a 304, nothing due) in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipwatch.config import SourceConfig
from chipwatch.connectors.base import Entry, FetchResult
from chipwatch.connectors.charset import html_as_utf8
from chipwatch.connectors.errors import FetchError, RetryLater, RobotsDisallowed
from chipwatch.connectors.feedtext import document_text
from chipwatch.connectors.htmllinks import canonical_link
from chipwatch.connectors.http import HttpClient
from chipwatch.connectors.kinds import connector_for
from chipwatch.connectors.urls import canonical_url
from chipwatch.storage.aliases import add_alias, aliased, article_id_by_url
from chipwatch.storage.articles import NewArticle, add_articles, changed_since_fetch, refresh_article, unseen
from chipwatch.storage.db import Database
from chipwatch.storage.models import Source
from chipwatch.storage.page_fetch import PageRetryPolicy, PendingPage, due_pages, next_try, record_page_failure
from chipwatch.storage.source_polls import PollRecord, record_source_polls
from chipwatch.storage.sources import in_backoff, record_poll
from chipwatch.storage.types import utcnow

log = logging.getLogger(__name__)
_HTML = ("text/html", "application/xhtml+xml")
MAX_REFETCH = 50  # changed articles fetched again per poll; the rest wait for the next one
MAX_PAGE_RETRIES = 20  # pending pages tried again per poll of their source; the rest wait for the next one
_PLAIN = "text/plain; charset=utf-8"


@dataclass
class PollOutcome:
    source: str
    listed: int = 0
    new_article_ids: list[int] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None
    skipped: bool = False  # in backoff: not contacted this time
    aliases: int = 0  # entries found to be another URL of a stored article
    refreshed_article_ids: list[int] = field(default_factory=list)  # stored, changed at the source, fetched again
    pages_pending: int = 0  # new entries stored from the listing's text; their page is retried later
    pages_fetched: int = 0  # pending pages that came this time (their articles are in refreshed_article_ids)
    pages_given_up: int = 0  # pending pages that ran out of attempts or age this time
    http_status: int | None = None  # of the source's own URL; None: no HTTP answer (a directory, no connection)
    seconds: float = 0.0  # how long the poll took (the source's poll history)


@dataclass(frozen=True)
class PollSettings:
    """How a poll treats failures: the source's backoff cap and the page retry policy."""

    max_backoff: timedelta = timedelta(days=1)
    pages: PageRetryPolicy = field(default_factory=PageRetryPolicy)
    keep_history: timedelta = timedelta(days=30)  # how long each source's poll records are kept


@dataclass(frozen=True)
class _Context:
    """What one poll needs from storage, read before any network I/O."""

    source_id: int
    state: dict[str, Any]
    skip: bool
    last_error: str | None
    due: list[PendingPage]


@dataclass
class _Writes:
    """Everything one poll stores, written in one transaction (so validators never outrun entries)."""

    state: dict[str, Any]
    error: str | None = None
    partial: bool = False
    retry_after: float | None = None
    listed: int | None = None
    articles: list[NewArticle] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (alias URL, canonical URL it names)
    refreshed: list[tuple[int, NewArticle]] = field(default_factory=list)
    page_failures: list[tuple[PendingPage, str]] = field(default_factory=list)
    record_source: bool = True  # False for a WebSub push: the poll's validators and backoff stay as they are

    def only_poll_record(self) -> bool:
        return not (self.articles or self.links or self.refreshed or self.page_failures)


def poll_source(
    db: Database,
    client: HttpClient,
    source: SourceConfig,
    now: datetime | None = None,
    *,
    force: bool = False,
    max_backoff: timedelta = timedelta(days=1),
    pages: PageRetryPolicy | None = None,
    keep_history: timedelta = timedelta(days=30),
    pushed: FetchResult | None = None,
) -> PollOutcome:
    """One poll of one source. Failures are recorded on the source row and returned, never raised,
    so one bad source cannot stop a cycle; what was stored before stays. A source in backoff is
    skipped (not contacted) until its next_check, unless `force`.

    `pushed`: the entries a WebSub hub delivered (pipeline.websub), stored exactly as a poll's would be,
    deduplicated against polled ones; the source's polling state and schedule are left alone."""
    now = now or utcnow()
    settings = PollSettings(max_backoff=max_backoff, pages=pages or PageRetryPolicy(), keep_history=keep_history)
    with db.session() as session:
        context = _contexts(session, [source.name], now, force)[source.name]
    outcome, writes = _timed_poll(db, client, source, context, now, settings, pushed)
    if writes is not None:
        with db.session() as session, session.begin():
            _write(session, source, outcome, writes, now, settings)
    return outcome


def poll_sources(
    db: Database,
    client: HttpClient,
    sources: Sequence[SourceConfig],
    *,
    workers: int = 4,
    max_backoff: timedelta = timedelta(days=1),
    progress: Callable[[str], None] = lambda _msg: None,
    pages: PageRetryPolicy | None = None,
    keep_history: timedelta = timedelta(days=30),
    on_polled: Callable[[PollOutcome], None] = lambda _outcome: None,
) -> list[PollOutcome]:
    """Poll several sources, `workers` at a time; outcomes in the order of `sources`. `on_polled` hears of each
    source as it finishes (from the worker threads: it must be thread-safe), for a progress display.

    The source rows and their due pages are read in one query each; a source that stored something
    commits its own transaction; the unchanged ones (the usual case) are recorded together at the end.
    """
    now = utcnow()
    settings = PollSettings(max_backoff=max_backoff, pages=pages or PageRetryPolicy(), keep_history=keep_history)
    with db.session() as session:
        contexts = _contexts(session, [s.name for s in sources], now, False)

    def one(source: SourceConfig) -> tuple[PollOutcome, _Writes | None]:
        progress(f"polling {source.name} ({source.kind})")
        try:
            outcome, writes = _timed_poll(db, client, source, contexts[source.name], now, settings)
            if writes is not None and not writes.only_poll_record():
                with db.session() as session, session.begin():
                    _write(session, source, outcome, writes, now, settings)
                writes = None
        except Exception as exc:  # a bug or a database hiccup in one source must not stop the others
            log.exception("source %s: unexpected failure", source.name)
            outcome = PollOutcome(source=source.name, error=f"internal error: {exc.__class__.__name__}: {exc}")
            writes = None
        on_polled(outcome)
        return outcome, writes

    if workers <= 1 or len(sources) <= 1:
        results = [one(s) for s in sources]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
            results = list(pool.map(one, sources))
    unchanged = [(s, o, w) for s, (o, w) in zip(sources, results, strict=True) if w is not None]
    _write_unchanged(db, unchanged, now, settings)
    return [outcome for outcome, _ in results]


def _contexts(session: Session, names: list[str], now: datetime, force: bool) -> dict[str, _Context]:
    """The rows of these sources and their pages due for another try, in two queries."""
    rows: dict[str, Source] = {}
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        rows.update((r.name, r) for r in session.scalars(select(Source).where(Source.name.in_(batch))))
    due = due_pages(session, now, MAX_PAGE_RETRIES)
    return {
        name: _Context(
            source_id=row.id,
            state=dict(row.state or {}),
            skip=in_backoff(row, now) and not force,
            last_error=row.last_error,
            due=due.get(row.id, []),
        )
        for name, row in rows.items()
    }


def _timed_poll(
    db: Database,
    client: HttpClient,
    source: SourceConfig,
    ctx: _Context,
    now: datetime,
    settings: PollSettings,
    pushed: FetchResult | None = None,
) -> tuple[PollOutcome, _Writes | None]:
    """`_poll`, with how long it took on the outcome (for the source's poll history)."""
    clock = time.monotonic()
    outcome, writes = _poll(db, client, source, ctx, now, settings, pushed)
    outcome.seconds = time.monotonic() - clock
    return outcome, writes


def _poll(
    db: Database,
    client: HttpClient,
    source: SourceConfig,
    ctx: _Context,
    now: datetime,
    settings: PollSettings,
    pushed: FetchResult | None = None,
) -> tuple[PollOutcome, _Writes | None]:
    """The network part of a poll and what it has to store (None: nothing, the source is in backoff).
    `pushed`: a body a WebSub hub delivered, stored like a listing but leaving the source's validators alone."""
    outcome = PollOutcome(source=source.name)
    if pushed is not None:
        outcome.listed = len(pushed.entries)
        writes = _Writes(state=ctx.state, record_source=False)
        if pushed.entries:
            _new_entries(db, client, source, ctx.source_id, pushed.entries, outcome, writes, now, settings.pages)
        return outcome, writes
    if ctx.skip:
        outcome.skipped, outcome.error = True, ctx.last_error
        return outcome, None
    try:
        result = connector_for(source.kind).fetch(source, ctx.state, client)
    except (FetchError, NotImplementedError) as exc:
        outcome.error = str(exc)
        outcome.http_status = exc.status if isinstance(exc, FetchError) else None
        retry_after = exc.retry_after if isinstance(exc, RetryLater) else None
        if isinstance(exc, RetryLater) and retry_after is None:
            retry_after = 0.0  # asked to slow down without saying how long: back off anyway
        log.warning("source %s: %s", source.name, outcome.error)
        writes = _Writes(state=ctx.state, error=outcome.error, retry_after=retry_after)
        _retry_pages(client, source, ctx.due, outcome, writes, now, settings.pages)
        return outcome, writes

    outcome.listed, outcome.not_modified = len(result.entries), result.not_modified
    if source.kind != "directory":
        outcome.http_status = 304 if result.not_modified else 200
    writes = _Writes(state=result.state, partial=True, listed=None if result.not_modified else len(result.entries))
    if result.entries:
        _new_entries(db, client, source, ctx.source_id, result.entries, outcome, writes, now, settings.pages)
    _retry_pages(client, source, ctx.due, outcome, writes, now, settings.pages)
    return outcome, writes


def _new_entries(
    db: Database,
    client: HttpClient,
    source: SourceConfig,
    source_id: int,
    entries: list[Entry],
    outcome: PollOutcome,
    writes: _Writes,
    now: datetime,
    policy: PageRetryPolicy,
) -> None:
    """Every entry not stored yet becomes an article (with its page, or pending with the listing's text);
    stored entries that changed at the source are fetched again."""
    by_key: dict[str, Entry] = {}
    guids: set[str] = set()
    for entry in entries:
        key = entry.key or canonical_url(entry.url)
        if key in by_key or (entry.guid and entry.guid in guids):
            continue  # listed twice (same URL or same id): one row
        by_key[key] = entry
        if entry.guid:
            guids.add(entry.guid)
    with db.session() as session:
        fresh = unseen(session, source_id, [(k, e.guid) for k, e in by_key.items()])
        fresh -= set(aliased(session, fresh))
        # A date in the future is a timezone slip (feeds without zones), not a change: ignored.
        claimed = {
            k: e.updated for k, e in by_key.items() if k not in fresh and not e.key and e.updated and e.updated <= now
        }
        changed = changed_since_fetch(session, claimed) if claimed else {}
    failures: list[str] = []
    for key, entry in by_key.items():
        if key not in fresh:
            continue
        article = _document(client, source, source_id, key, entry, now, policy)
        if article.fetch_error:
            failures.append(article.fetch_error)
            outcome.pages_pending += article.fetch_state == "pending"
        if article.canonical_url != key:
            writes.links.append((key, article.canonical_url))
        writes.articles.append(article)
    for key, article_id in list(changed.items())[:MAX_REFETCH]:
        article = _document(client, source, source_id, key, by_key[key], now, policy)
        if article.fetch_error:
            failures.append(article.fetch_error)
        elif article.raw is not None:
            writes.refreshed.append((article_id, article))
    if failures:
        outcome.error = writes.error = (
            f"{len(failures)} of {len(fresh)} new documents could not be fetched (stored from the listing, "
            f"retried later); first: {failures[0]}"
        )


def _retry_pages(
    client: HttpClient,
    source: SourceConfig,
    due: list[PendingPage],
    outcome: PollOutcome,
    writes: _Writes,
    now: datetime,
    policy: PageRetryPolicy,
) -> None:
    """Try again the pages stored as pending whose time has come; a page that comes refreshes its article."""
    for page in due:
        try:
            content, ctype, _canonical = _fetch_page(client, source, page.url)
        except FetchError as exc:
            writes.page_failures.append((page, str(exc)))
            continue
        writes.refreshed.append((page.article_id, _page_article(page, content, ctype)))
        outcome.pages_fetched += 1


def _page_article(page: PendingPage, content: bytes, ctype: str | None) -> NewArticle:
    return NewArticle(
        source_id=0,  # not inserted: only raw and content_type refresh the stored row
        url=page.url,
        canonical_url=page.canonical_url,
        guid=None,
        title=None,
        published=None,
        content_type=ctype,
        raw=content,
    )


def _write(
    session: Session, source: SourceConfig, outcome: PollOutcome, writes: _Writes, now: datetime, settings: PollSettings
) -> None:
    """Store one poll: new articles, aliases, refreshed articles, page failures and the source's state."""
    outcome.new_article_ids, outcome.aliases = _store(session, writes.articles, writes.links)
    for article_id, article in writes.refreshed:
        refresh_article(session, article_id, raw=article.raw or b"", content_type=article.content_type)
        outcome.refreshed_article_ids.append(article_id)
    for page, error in writes.page_failures:
        outcome.pages_given_up += record_page_failure(session, page, error, now, settings.pages)
    if writes.record_source:
        row = session.scalars(select(Source).where(Source.name == source.name)).one()
        _record(session, row, source, writes, now, settings)
        record_source_polls(session, [_history(row.id, outcome, now)], now - settings.keep_history)


def _write_unchanged(
    db: Database, polls: list[tuple[SourceConfig, PollOutcome, _Writes]], now: datetime, settings: PollSettings
) -> None:
    """Record the polls that stored nothing (a 304, an error) in one transaction per 500 sources."""
    for start in range(0, len(polls), 500):
        chunk = polls[start : start + 500]
        with db.session() as session, session.begin():
            names = [source.name for source, _, _ in chunk]
            rows = {r.name: r for r in session.scalars(select(Source).where(Source.name.in_(names)))}
            for source, _outcome, writes in chunk:
                _record(session, rows[source.name], source, writes, now, settings)
            history = [_history(rows[source.name].id, outcome, now) for source, outcome, _ in chunk]
            record_source_polls(session, history, now - settings.keep_history)


def _history(source_id: int, outcome: PollOutcome, now: datetime) -> PollRecord:
    """The poll as a row of the source's poll history."""
    return PollRecord(
        source_id=source_id,
        started_at=now,
        seconds=outcome.seconds,
        http_status=outcome.http_status,
        listed=outcome.listed,
        new_articles=len(outcome.new_article_ids),
        error=outcome.error,
    )


def _record(
    session: Session, row: Source, source: SourceConfig, writes: _Writes, now: datetime, settings: PollSettings
) -> None:
    record_poll(
        session,
        row,
        state=writes.state,
        error=writes.error,
        next_check=now + source.every,
        now=now,
        partial=writes.partial,
        retry_after=writes.retry_after,
        max_backoff=settings.max_backoff,
        listed=writes.listed,
    )


def _store(session: Session, articles: list[NewArticle], links: list[tuple[str, str]]) -> tuple[list[int], int]:
    """Insert new articles, except those whose <link rel=canonical> names one stored already; record
    each entry URL that differs from its canonical as an alias."""
    keep: list[NewArticle] = []
    seen: set[str] = set()
    for article in articles:
        if article.canonical_url in seen or article_id_by_url(session, article.canonical_url) is not None:
            continue
        seen.add(article.canonical_url)
        keep.append(article)
    new_ids = add_articles(session, keep)
    aliases = 0
    for alias, target in links:
        target_id = article_id_by_url(session, target)
        if target_id is not None and add_alias(session, alias, target_id, "canonical"):
            aliases += 1
    return new_ids, aliases


def _document(
    client: HttpClient,
    source: SourceConfig,
    source_id: int,
    key: str,
    entry: Entry,
    now: datetime,
    policy: PageRetryPolicy,
) -> NewArticle:
    """The article row for an entry: the document the source holds, else its page, else (the page
    failed) the listing's own text, pending another try of the page."""
    base = dict(source_id=source_id, url=entry.url, guid=entry.guid, title=entry.title, published=entry.published)
    if entry.error:
        return NewArticle(**base, canonical_url=key, content_type=entry.content_type, raw=None, error=entry.error)
    if entry.content is not None:
        return NewArticle(**base, canonical_url=key, content_type=entry.content_type, raw=entry.content)
    listing_text = document_text(entry.title, entry.summary)
    raw = listing_text.encode() if listing_text else None
    if entry.key:  # no page of its own: the listing's text is the document
        error = None if raw else "the entry has neither text nor a link to a page"
        return NewArticle(**base, canonical_url=key, content_type=_PLAIN, raw=raw, error=error, fetch_state="none")
    try:
        content, ctype, canonical = _fetch_page(client, source, entry.url)
    except FetchError as exc:
        failed = isinstance(exc, RobotsDisallowed) or policy.max_attempts <= 1
        reason = str(exc)
        return NewArticle(
            **base,
            canonical_url=key,
            content_type=_PLAIN,
            raw=raw,
            # With no text to analyse yet the row waits as an error; the page, when it comes, makes it `new`.
            error=None if raw else f"page not fetched yet and the listing has no text: {reason}",
            fetch_state="failed" if failed else "pending",
            fetch_error=reason,
            fetch_next_at=None if failed else next_try(1, now, policy),
        )
    return NewArticle(**base, canonical_url=canonical or key, content_type=ctype, raw=content)


def _fetch_page(client: HttpClient, source: SourceConfig, url: str) -> tuple[bytes, str | None, str | None]:
    """A page's bytes (HTML re-encoded as UTF-8 by the header/BOM/meta rules), its content type, and its
    own <link rel=canonical> (or final redirect URL) when that is where it lives."""
    resp = client.get(url, max_bytes=source.max_bytes)
    content, ctype = resp.content, resp.content_type
    canonical = None
    if (ctype or "").split(";")[0].strip().lower() in _HTML:
        content, ctype = html_as_utf8(content, ctype)
        declared = canonical_link(content, ctype, resp.url)
        canonical = canonical_url(declared or resp.url)
    return content, ctype, canonical
