"""Poll sources: list their entries, fetch the documents not stored yet, store them as `new`.

Sources in backoff are left alone until their next_check; several sources are polled in parallel
threads, while the shared client's host gate keeps each site's load polite.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chipwatch.config import SourceConfig
from chipwatch.connectors.base import Entry
from chipwatch.connectors.charset import html_as_utf8
from chipwatch.connectors.errors import FetchError, RetryLater
from chipwatch.connectors.htmllinks import canonical_link
from chipwatch.connectors.http import HttpClient
from chipwatch.connectors.kinds import connector_for
from chipwatch.connectors.urls import canonical_url
from chipwatch.storage.aliases import add_alias, aliased, article_id_by_url
from chipwatch.storage.articles import NewArticle, add_articles, changed_since_fetch, refresh_article, unseen
from chipwatch.storage.db import Database
from chipwatch.storage.source_polls import PollRecord, record_source_poll
from chipwatch.storage.sources import in_backoff, record_poll, source_by_name
from chipwatch.storage.types import utcnow

log = logging.getLogger(__name__)
_HTML = ("text/html", "application/xhtml+xml")
MAX_REFETCH = 50  # changed articles fetched again per poll; the rest wait for the next one


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
    http_status: int | None = None  # of the source's own URL; None: no HTTP answer (a directory, no connection)


def poll_source(
    db: Database,
    client: HttpClient,
    source: SourceConfig,
    now: datetime | None = None,
    *,
    force: bool = False,
    max_backoff: timedelta = timedelta(days=1),
) -> PollOutcome:
    """One poll of one source. Failures are recorded on the source row and returned, never raised,
    so one bad source cannot stop a cycle; what was stored before stays. A source in backoff is
    skipped (not contacted) until its next_check, unless `force`."""
    now = now or utcnow()
    outcome = PollOutcome(source=source.name)
    with db.session() as session:
        row = source_by_name(session, source.name)
        source_id, state = row.id, dict(row.state or {})
        if in_backoff(row, now) and not force:
            outcome.skipped, outcome.error = True, row.last_error
            return outcome
    try:
        result = connector_for(source.kind).fetch(source, state, client)
    except (FetchError, NotImplementedError) as exc:
        outcome.error = str(exc)
        outcome.http_status = exc.status if isinstance(exc, FetchError) else None
        retry_after = exc.retry_after if isinstance(exc, RetryLater) else None
        if isinstance(exc, RetryLater) and retry_after is None:
            retry_after = 0.0  # asked to slow down without saying how long: back off anyway
        _record(db, source, state=state, error=outcome.error, now=now, retry_after=retry_after, max_backoff=max_backoff)
        log.warning("source %s: %s", source.name, outcome.error)
        return outcome

    outcome.listed, outcome.not_modified = len(result.entries), result.not_modified
    if source.kind != "directory":
        outcome.http_status = 304 if result.not_modified else 200
    by_key: dict[str, Entry] = {}
    for entry in result.entries:
        by_key.setdefault(canonical_url(entry.url), entry)
    with db.session() as session:
        fresh = unseen(session, source_id, [(k, e.guid) for k, e in by_key.items()])
        fresh -= set(aliased(session, fresh))
        # A date in the future is a timezone slip (feeds without zones), not a change: ignored.
        claimed = {k: e.updated for k, e in by_key.items() if k not in fresh and e.updated and e.updated <= now}
        changed = changed_since_fetch(session, claimed) if claimed else {}
    articles: list[NewArticle] = []
    links: list[tuple[str, str]] = []  # (alias URL, canonical URL it names)
    failures: list[str] = []
    for key, entry in by_key.items():
        if key not in fresh:
            continue
        article, failure = _document(client, source, source_id, key, entry)
        if failure:
            failures.append(failure)
        if article is None:
            continue
        if article.canonical_url != key:
            links.append((key, article.canonical_url))
        articles.append(article)
    refreshed: list[tuple[int, NewArticle]] = []
    for key, article_id in list(changed.items())[:MAX_REFETCH]:
        article, failure = _document(client, source, source_id, key, by_key[key])
        if failure:
            failures.append(failure)
        elif article is not None and article.raw is not None:
            refreshed.append((article_id, article))
    with db.session() as session, session.begin():
        outcome.new_article_ids, outcome.aliases = _store(session, articles, links)
        for article_id, article in refreshed:
            refresh_article(session, article_id, raw=article.raw or b"", content_type=article.content_type)
            outcome.refreshed_article_ids.append(article_id)
    if failures:
        # Pages that failed are not stored, so the next poll tries them again.
        outcome.error = f"{len(failures)} of {len(fresh)} new documents failed; first: {failures[0]}"
    _record(db, source, state=result.state, error=outcome.error, now=now, partial=True, max_backoff=max_backoff)
    return outcome


def poll_and_record(
    db: Database,
    client: HttpClient,
    source: SourceConfig,
    *,
    max_backoff: timedelta = timedelta(days=1),
    keep_history: timedelta = timedelta(days=30),
) -> PollOutcome:
    """`poll_source`, timed, with the poll added to the source's history (a source in backoff was not contacted:
    nothing to record). The history is pruned to `keep_history`."""
    started, clock = utcnow(), time.monotonic()
    outcome = poll_source(db, client, source, started, max_backoff=max_backoff)
    if outcome.skipped:
        return outcome
    with db.session() as session, session.begin():
        record = PollRecord(
            source_id=source_by_name(session, source.name).id,
            started_at=started,
            seconds=time.monotonic() - clock,
            http_status=outcome.http_status,
            listed=outcome.listed,
            new_articles=len(outcome.new_article_ids),
            error=outcome.error,
        )
        record_source_poll(session, record, keep_history)
    return outcome


def poll_sources(
    db: Database,
    client: HttpClient,
    sources: Sequence[SourceConfig],
    *,
    workers: int = 4,
    max_backoff: timedelta = timedelta(days=1),
    keep_history: timedelta = timedelta(days=30),
    progress: Callable[[str], None] = lambda _msg: None,
    on_polled: Callable[[PollOutcome], None] = lambda _outcome: None,
) -> list[PollOutcome]:
    """Poll several sources, `workers` at a time; outcomes in the order of `sources`. `on_polled` hears of each
    source as it finishes (from the worker threads: it must be thread-safe), for a progress display."""

    def one(source: SourceConfig) -> PollOutcome:
        progress(f"polling {source.name} ({source.kind})")
        try:
            outcome = poll_and_record(db, client, source, max_backoff=max_backoff, keep_history=keep_history)
        except Exception as exc:  # a bug or a database hiccup in one source must not stop the others
            log.exception("source %s: unexpected failure", source.name)
            outcome = PollOutcome(source=source.name, error=f"internal error: {exc.__class__.__name__}: {exc}")
        on_polled(outcome)
        return outcome

    if workers <= 1 or len(sources) <= 1:
        return [one(s) for s in sources]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
        return list(pool.map(one, sources))


def _store(session, articles: list[NewArticle], links: list[tuple[str, str]]) -> tuple[list[int], int]:  # type: ignore[no-untyped-def]
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
    client: HttpClient, source: SourceConfig, source_id: int, key: str, entry: Entry
) -> tuple[NewArticle | None, str | None]:
    """The article row for an entry, fetching its page when the source did not include it.

    A fetched HTML page is re-encoded as UTF-8 by the header/BOM/meta rules, and keyed by its own
    <link rel=canonical> (or final redirect URL) when that differs from the entry's URL.
    """
    base = dict(source_id=source_id, url=entry.url, guid=entry.guid, title=entry.title, published=entry.published)
    if entry.error:
        return NewArticle(**base, canonical_url=key, content_type=entry.content_type, raw=None, error=entry.error), None
    if entry.content is not None:
        return NewArticle(**base, canonical_url=key, content_type=entry.content_type, raw=entry.content), None
    try:
        resp = client.get(entry.url, max_bytes=source.max_bytes)
    except FetchError as exc:
        return None, str(exc)
    content, ctype = resp.content, resp.content_type
    canonical = key
    if (ctype or "").split(";")[0].strip().lower() in _HTML:
        content, ctype = html_as_utf8(content, ctype)
        declared = canonical_link(content, ctype, resp.url)
        canonical = canonical_url(declared or resp.url)
    return NewArticle(**base, canonical_url=canonical, content_type=ctype, raw=content), None


def _record(
    db: Database,
    source: SourceConfig,
    *,
    state: dict,
    error: str | None,
    now: datetime,
    partial: bool = False,
    retry_after: float | None = None,
    max_backoff: timedelta = timedelta(days=1),
) -> None:
    with db.session() as session, session.begin():
        row = source_by_name(session, source.name)
        record_poll(
            session,
            row,
            state=state,
            error=error,
            next_check=now + source.every,
            now=now,
            partial=partial,
            retry_after=retry_after,
            max_backoff=max_backoff,
        )
