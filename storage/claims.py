"""Claim rows: stored once per (article, sentence) fingerprint."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chipwatch.storage.claim_context import ClaimInContext, claims_in_context
from chipwatch.storage.clustering import STORED_CLAIM_COLUMNS, StoredClaim, cluster_stored
from chipwatch.storage.models import Article, Claim, ClaimSearch, ClaimTag
from chipwatch.storage.types import utcnow
from chipwatch.storage.upsert import insert_ignore


def claim_fingerprint(article_key: str, sentence: str) -> str:
    """Stable id of a claim: the article's canonical URL plus the whitespace-normalised sentence."""
    norm = " ".join(sentence.split())
    return hashlib.sha256(f"{article_key}\n{norm}".encode()).hexdigest()


def add_claims(
    session: Session,
    article_id: int,
    article_key: str,
    language: str,
    claims: Sequence[dict[str, Any]],
    *,
    cluster: bool = True,
) -> list[int]:
    """Insert claims (dicts in the `analyze --json` claim shape); return the ids of new rows.

    Each new claim joins its cluster in this transaction (storage/clustering.py). `cluster=False` is for the
    scale bench's baseline only: a claim stored without its cluster stays outside every cluster."""
    now = utcnow()
    rows = [
        {
            "article_id": article_id,
            "fingerprint": claim_fingerprint(article_key, c["text"]),
            "text": c["text"],
            "language": language,
            "entities": c["entities"],
            "topics": c["topics"],
            "stance": c["stance"],
            "quantities": c["quantities"],
            "score": c["score"],
            "notable": c["notable"],
            "why": c["why"],
            "created_at": now,
            "rules_evaluated": False,
        }
        for c in claims
    ]
    new_ids = insert_ignore(session, Claim, rows, ["fingerprint"])
    stored = _add_tags(session, new_ids)
    if cluster:
        cluster_stored(session, stored)
    return new_ids


def fold_text(text: str) -> str:
    """The search form of a claim's text (free-text queries are folded the same way)."""
    return text.casefold()


def _add_tags(session: Session, claim_ids: Sequence[int]) -> list[StoredClaim]:
    """Index rows for the entity, topic and source filters and for search, in the claim's own transaction.
    Returns the claims as read back with their source, for clustering (one read serves both)."""
    if not claim_ids:
        return []
    found = session.execute(
        select(*STORED_CLAIM_COLUMNS, Claim.text)
        .join(Article, Claim.article_id == Article.id)
        .where(Claim.id.in_(list(claim_ids)))
        .order_by(Claim.id)
    ).all()
    stored = [StoredClaim(*row[:-1]) for row in found]
    tags = [
        {"claim_id": c.id, "kind": kind, "value": value, "created_at": c.created_at, "stance": c.stance}
        for c in stored
        for kind, value in tag_pairs(c.entities, c.topics, c.source_id)
    ]
    if tags:
        session.execute(insert(ClaimTag), tags)
    session.execute(insert(ClaimSearch), [{"claim_id": row[0], "folded": fold_text(row[-1])} for row in found])
    return stored


def tag_pairs(entities: Sequence[str], topics: Sequence[str], source_id: int) -> list[tuple[str, str]]:
    """(kind, value) rows of claim_tags for one claim: each distinct entity and topic, and its
    source by id (names may be long; ids are short and never change)."""
    pairs = [("entity", str(v)[:100]) for v in sorted(set(entities or []))]
    pairs += [("topic", str(v)[:100]) for v in sorted(set(topics or []))]
    return [*pairs, ("source", str(source_id))]


def claims_awaiting_rules(session: Session, limit: int = 1000) -> list[ClaimInContext]:
    """Claims whose alert rules have not been evaluated yet, oldest first, with their article.
    A withdrawn claim waits unevaluated: it is evaluated only if its article says it again."""
    stmt = claims_in_context().where(Claim.rules_evaluated.is_(False), Claim.withdrawn_at.is_(None))
    return [ClaimInContext.from_row(r) for r in session.execute(stmt.order_by(Claim.id).limit(limit))]


def claims_by_ids(session: Session, ids: Sequence[int]) -> list[ClaimInContext]:
    """The given claims with their article, in id order."""
    stmt = claims_in_context().where(Claim.id.in_(list(ids))).order_by(Claim.id)
    return [ClaimInContext.from_row(r) for r in session.execute(stmt)]
