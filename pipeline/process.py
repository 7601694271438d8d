"""Process stored articles: claim, extract text, analyse, store claims, mark each article done or failed.

Three steps, so an orchestrator can run the middle one in parallel (the Prefect `process` flow does):
`claim_batch` leases articles to one worker, `analyse_pending` is pure CPU work, `store_analysed`
writes the outcome only while the worker still holds the lease. `process_articles` chains them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chipwatch.analysis.document import AnalysedDocument, analyse_bytes
from chipwatch.pipeline.dedup import NearIndex, find_original
from chipwatch.pipeline.neardup import simhash
from chipwatch.storage.aliases import mark_duplicate, set_simhash
from chipwatch.storage.articles import claim_articles, mark_failed, mark_processed, release_articles
from chipwatch.storage.claims import add_claims, claims_by_ids
from chipwatch.storage.db import Database
from chipwatch.storage.withdrawals import reconcile_claims
from chipwatch.workers import new_worker_id

log = logging.getLogger(__name__)

# Long enough for a batch on a slow machine; short enough that a dead worker's articles move on soon.
DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_BATCH = 50


@dataclass
class ProcessOutcome:
    processed: int = 0
    failed: int = 0
    duplicates: int = 0  # re-posts of stored articles: recorded as aliases, not analysed again
    new_claim_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notable_claim_ids: list[int] = field(default_factory=list)
    taken_over: int = 0  # articles another worker finished after this one's lease ran out
    # A changed article that no longer makes a stored claim withdraws it; one that says it again restores it.
    withdrawn_claim_ids: list[int] = field(default_factory=list)
    restored_claim_ids: list[int] = field(default_factory=list)

    def add(self, other: ProcessOutcome) -> None:
        self.processed += other.processed
        self.failed += other.failed
        self.duplicates += other.duplicates
        self.new_claim_ids += other.new_claim_ids
        self.errors += other.errors
        self.notable_claim_ids += other.notable_claim_ids
        self.taken_over += other.taken_over
        self.withdrawn_claim_ids += other.withdrawn_claim_ids
        self.restored_claim_ids += other.restored_claim_ids


@dataclass(frozen=True)
class PendingArticle:
    """What analysis needs of an article row, detached from the session."""

    id: int
    key: str
    url: str
    title: str | None
    content_type: str | None
    raw: bytes | None
    published: datetime | None = None  # the listing's date: dates periods written without a year


@dataclass(frozen=True)
class Analysed:
    article: PendingArticle
    document: AnalysedDocument | None
    error: str | None = None
    fingerprint: int | None = None  # simhash of the text, for the near-duplicate check (None: too short)


def claim_batch(
    db: Database,
    worker_id: str,
    *,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = DEFAULT_BATCH,
    ids: Sequence[int] | None = None,
) -> list[PendingArticle]:
    """Lease up to `limit` waiting articles to `worker_id` (committed at once, so others see it)."""
    with db.session() as session, session.begin():
        rows = claim_articles(session, worker_id, lease, limit, ids)
        return [PendingArticle(a.id, a.canonical_url, a.url, a.title, a.content_type, a.raw, a.published) for a in rows]


def analyse_pending(article: PendingArticle) -> Analysed:
    """Extract and analyse one article; a document with no usable text becomes an error, not an exception.

    Everything CPU-bound about an article happens here (including its simhash), so a process pool
    can take all of it off the process that writes to the database.
    """
    try:
        doc = analyse_bytes(
            article.raw or b"",
            content_type=article.content_type,
            url=article.url,
            title=article.title,
            published=article.published,
        )
    except ValueError as exc:
        return Analysed(article, None, str(exc))
    return Analysed(article, doc, fingerprint=simhash(doc.extracted.text))


def store_analysed(db: Database, result: Analysed, worker_id: str | None = None) -> ProcessOutcome:
    """Write one article's outcome in one transaction; with `worker_id`, only while it holds the lease."""
    return store_batch(db, [result], worker_id)


def store_batch(db: Database, results: Sequence[Analysed], worker_id: str | None = None) -> ProcessOutcome:
    """Write a batch's outcomes in one transaction (one commit, one read of the near-duplicate window).

    With `worker_id`, each article is written only while this worker holds its lease. Should the
    batch fail to store (a database error on one article), it is rolled back and stored again one
    article per transaction, so the others are kept and the error names the article that caused it.
    """
    try:
        with db.session() as session, session.begin():
            out = ProcessOutcome()
            index = NearIndex.load(session)
            for result in results:
                out.add(_store_one(session, result, worker_id, index))
        return out
    except SQLAlchemyError:
        if len(results) == 1:
            raise
        log.warning("storing a batch of %d articles failed; storing them one by one", len(results), exc_info=True)
    out = ProcessOutcome()
    for result in results:
        out.add(store_batch(db, [result], worker_id))
    return out


def _store_one(session: Session, result: Analysed, worker_id: str | None, index: NearIndex) -> ProcessOutcome:
    out = ProcessOutcome()
    art, doc = result.article, result.document
    # The article row is updated first: it fences out a worker whose lease ran out (nothing else of
    # this article is written then), and on SQLite it takes the write lock before any read.
    if doc is None:
        if not mark_failed(session, art.id, result.error or "no result", worker_id=worker_id):
            out.taken_over += 1
            return out
        out.failed += 1
        out.errors.append(f"article {art.id} ({art.url}): {result.error}")
        log.warning("article %s (%s): %s", art.id, art.url, result.error)
        return out
    done = mark_processed(
        session,
        art.id,
        text=doc.extracted.text,
        title=doc.analysis.title or art.title,
        language=doc.analysis.language,
        content_hash=doc.content_hash,
        worker_id=worker_id,
    )
    if not done:
        out.taken_over += 1
        log.info("article %s was taken over by another worker; dropping this result", art.id)
        return out
    # Checked after the lease fence, in the same transaction: a re-post becomes an alias of the
    # article it repeats and gets no claims of its own.
    original, reason = find_original(session, art.id, doc.content_hash, doc.extracted.text, result.fingerprint, index)
    if original is not None:
        mark_duplicate(session, art.id, original, reason, result.fingerprint)
        out.duplicates += 1
        return out
    if result.fingerprint is not None:
        set_simhash(session, art.id, result.fingerprint)
        index.add(art.id, result.fingerprint)
    claims = [c.to_json() for c in doc.analysis.claims]
    new_ids = add_claims(session, art.id, art.key, doc.analysis.language, claims)
    out.new_claim_ids += new_ids
    # A refetched article (changed at its source) is analysed again: claims it no longer makes are
    # withdrawn and their unsent alerts cancelled, in this same transaction.
    changes = reconcile_claims(session, art.id, art.key, [c["text"] for c in claims])
    out.withdrawn_claim_ids += changes.withdrawn
    out.restored_claim_ids += changes.restored
    if changes.withdrawn or changes.restored:
        log.info(
            "article %s changed: %d claims withdrawn (%d alerts cancelled), %d restored",
            art.id,
            len(changes.withdrawn),
            changes.alerts_cancelled,
            len(changes.restored),
        )
    if new_ids and any(c["notable"] for c in claims):
        out.notable_claim_ids += [c.claim.id for c in claims_by_ids(session, new_ids) if c.claim.notable]
    out.processed += 1
    return out


Mapper = Callable[[Callable[[PendingArticle], Analysed], Iterable[PendingArticle]], Iterable[Analysed]]


def process_articles(
    db: Database,
    ids: Sequence[int] | None = None,
    limit: int = 500,
    *,
    worker_id: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
    batch: int = DEFAULT_BATCH,
    map_fn: Mapper = map,
    then_waiting: bool = False,
) -> ProcessOutcome:
    """Analyse articles waiting in state `new` (all of them, or only `ids`), up to `limit`.

    With `ids` and `then_waiting`, once those are done (or held by others) any other waiting articles
    are taken too: runs started for a few ids then share whatever backlog there is with the other
    workers, instead of one run left alone with a large batch while the rest exit.

    Articles are claimed `batch` at a time, so several workers (threads, processes, machines) can run
    this at once without doing an article twice. Each batch commits on its own: a failure or a crash
    loses at most the batch in hand, which another worker takes once its lease runs out.
    `map_fn` may run the analysis in parallel (`AnalysisPool.map`, chipwatch.pipeline.pool): the next
    batch is claimed and handed to it before the current one is stored, so the pool analyses while
    this process writes.
    """
    worker_id = worker_id or new_worker_id()
    outcome = ProcessOutcome()
    remaining = limit
    in_hand: list[tuple[list[PendingArticle], Iterable[Analysed]]] = []
    stored: set[int] = set()
    try:
        while True:
            pending = claim_batch(db, worker_id, lease=lease, limit=min(batch, remaining), ids=ids) if remaining else []
            if not pending and remaining and ids is not None and then_waiting:
                ids = None  # the given articles are done: on to the shared backlog
                pending = claim_batch(db, worker_id, lease=lease, limit=min(batch, remaining))
            remaining -= len(pending)
            if pending:
                in_hand.append((pending, map_fn(analyse_pending, pending)))
            if len(in_hand) > 1 or (in_hand and not pending):
                done, results = in_hand[0]
                outcome.add(store_batch(db, list(results), worker_id))
                stored.update(p.id for p in done)
                in_hand.pop(0)
            if not in_hand:
                return outcome
    finally:
        left = [p.id for done, _ in in_hand for p in done if p.id not in stored]
        if left:  # interrupted: hand the rest back now rather than after the lease
            with db.session() as session, session.begin():
                release_articles(session, worker_id, left)
