"""Process stored articles: extract text, analyse, store claims, mark each article done or failed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from chipwatch.analysis.document import analyse_bytes
from chipwatch.pipeline.dedup import find_original
from chipwatch.storage.aliases import mark_duplicate, set_simhash
from chipwatch.storage.articles import articles_to_process, mark_failed, mark_processed
from chipwatch.storage.claims import add_claims
from chipwatch.storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class ProcessOutcome:
    processed: int = 0
    failed: int = 0
    duplicates: int = 0  # re-posts of stored articles: recorded as aliases, not analysed again
    new_claim_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def process_articles(db: Database, ids: Sequence[int] | None = None, limit: int = 500) -> ProcessOutcome:
    """Analyse articles waiting in state `new` (all of them, or only `ids`).

    Each article commits on its own, so a failure or a crash loses at most the one in hand, and a
    rerun skips what is done (claims are keyed by fingerprint).
    """
    outcome = ProcessOutcome()
    with db.session() as session:
        pending = [
            (a.id, a.canonical_url, a.url, a.title, a.content_type, a.raw)
            for a in articles_to_process(session, limit=limit, ids=ids)
        ]
    for article_id, key, url, title, ctype, raw in pending:
        try:
            doc = analyse_bytes(raw or b"", content_type=ctype, url=url, title=title)
        except ValueError as exc:
            reason = f"article {article_id} ({url}): {exc}"
            with db.session() as session, session.begin():
                mark_failed(session, article_id, str(exc))
            outcome.failed += 1
            outcome.errors.append(reason)
            log.warning("%s", reason)
            continue
        with db.session() as session, session.begin():
            original, reason, fingerprint = find_original(session, article_id, doc.content_hash, doc.extracted.text)
            if original is not None:
                mark_duplicate(session, article_id, original, reason, fingerprint)
                outcome.duplicates += 1
                continue
            if fingerprint is not None:
                set_simhash(session, article_id, fingerprint)
        claims = [c.to_json() for c in doc.analysis.claims]
        with db.session() as session, session.begin():
            outcome.new_claim_ids += add_claims(session, article_id, key, doc.analysis.language, claims)
            mark_processed(
                session,
                article_id,
                text=doc.extracted.text,
                title=doc.analysis.title or title,
                language=doc.analysis.language,
                content_hash=doc.content_hash,
            )
        outcome.processed += 1
    return outcome
