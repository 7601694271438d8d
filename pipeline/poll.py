"""Poll one source: list its entries, fetch the documents not stored yet, store them as `new`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from chipwatch.connectors.base import Entry
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.http import HttpClient
from chipwatch.connectors.kinds import connector_for
from chipwatch.connectors.urls import canonical_url
from chipwatch.settings import SourceConfig
from chipwatch.storage.articles import NewArticle, add_articles, unseen
from chipwatch.storage.db import Database
from chipwatch.storage.sources import record_poll, source_by_name
from chipwatch.storage.types import utcnow

log = logging.getLogger(__name__)


@dataclass
class PollOutcome:
    source: str
    listed: int = 0
    new_article_ids: list[int] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None


def poll_source(db: Database, client: HttpClient, source: SourceConfig, now: datetime | None = None) -> PollOutcome:
    """One poll of one source. Failures are recorded on the source row and returned, never raised,
    so one bad source cannot stop a cycle; what was stored before stays."""
    now = now or utcnow()
    outcome = PollOutcome(source=source.name)
    with db.session() as session:
        row = source_by_name(session, source.name)
        source_id, state = row.id, dict(row.state or {})
    try:
        result = connector_for(source.kind).fetch(source, state, client)
    except (FetchError, NotImplementedError) as exc:
        outcome.error = str(exc)
        _record(db, source, state=state, error=outcome.error, now=now)
        log.warning("source %s: %s", source.name, outcome.error)
        return outcome

    outcome.listed, outcome.not_modified = len(result.entries), result.not_modified
    by_key: dict[str, Entry] = {}
    for entry in result.entries:
        by_key.setdefault(canonical_url(entry.url), entry)
    with db.session() as session:
        fresh = unseen(session, source_id, [(k, e.guid) for k, e in by_key.items()])
    articles, failures = [], []
    for key, entry in by_key.items():
        if key not in fresh:
            continue
        article, failure = _document(client, source, source_id, key, entry)
        if article is not None:
            articles.append(article)
        if failure:
            failures.append(failure)
    with db.session() as session, session.begin():
        outcome.new_article_ids = add_articles(session, articles)
    if failures:
        # Pages that failed are not stored, so the next poll tries them again.
        outcome.error = f"{len(failures)} of {len(fresh)} new documents failed; first: {failures[0]}"
    _record(db, source, state=result.state, error=outcome.error, now=now)
    return outcome


def _document(
    client: HttpClient, source: SourceConfig, source_id: int, key: str, entry: Entry
) -> tuple[NewArticle | None, str | None]:
    """The article row for an entry, fetching its page when the source did not include it."""
    base = dict(
        source_id=source_id,
        url=entry.url,
        canonical_url=key,
        guid=entry.guid,
        title=entry.title,
        published=entry.published,
    )
    if entry.error:
        return NewArticle(**base, content_type=entry.content_type, raw=None, error=entry.error), None
    if entry.content is not None:
        return NewArticle(**base, content_type=entry.content_type, raw=entry.content), None
    try:
        resp = client.get(entry.url, max_bytes=source.max_bytes)
    except FetchError as exc:
        return None, str(exc)
    return NewArticle(**base, content_type=resp.content_type, raw=resp.content), None


def _record(db: Database, source: SourceConfig, *, state: dict, error: str | None, now: datetime) -> None:
    with db.session() as session, session.begin():
        row = source_by_name(session, source.name)
        record_poll(session, row, state=state, error=error, next_check=now + source.every, now=now)
