"""Tables: sources, source_polls, articles, claims, alerts, alert_claims, alert_digest_items. Every row has a
stable natural key (see README).

Ids of the tables that grow with the news, and the columns that point at them, are `RowId`: 64-bit on both
databases (migration 0008). Sources stay `Integer`: one row per configured source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chipwatch.storage.types import RowId, UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Source(Base):
    """A configured source and its polling state; keyed by the unique name from the config."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="ok")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_checked: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_check: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # Connector state between polls (ETag, Last-Modified, files already taken, ...).
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SourcePoll(Base):
    """One poll of a source that contacted it (a source in backoff is not polled): when, how long, what came of
    it. Kept for `http.poll_history` (migration 0010); storage/source_polls.py writes and reads them."""

    __tablename__ = "source_polls"
    __table_args__ = (Index("ix_source_polls_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float] = mapped_column(Float)
    http_status: Mapped[int | None] = mapped_column(Integer)  # None: no HTTP answer (a directory, a refused connection)
    listed: Mapped[int] = mapped_column(Integer, default=0)
    new_articles: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Article(Base):
    """One fetched document, stored once: keyed by canonical URL, also by (source, guid)."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_source_guid", "source_id", "guid", unique=True),
        Index("ix_articles_status_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    guid: Mapped[str | None] = mapped_column(String(1024))
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_type: Mapped[str | None] = mapped_column(String(200))
    # Raw bytes are kept only until processing succeeds; the extracted text is what stays.
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)  # new|processed|error|duplicate
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 64-bit simhash of the normalised text (signed, as databases store BIGINT): near-duplicate search.
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    # Set on a re-post of an article already stored: the row keeps its URL key but no text or claims.
    duplicate_of: Mapped[int | None] = mapped_column(RowId, ForeignKey("articles.id", name="fk_articles_duplicate_of"))

    # Work claims (migration 0005): a worker leases `new` articles before processing them; a lease
    # that runs out (the worker died) makes the article claimable again. `attempts` counts claims.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ArticleAlias(Base):
    """Another URL under which a stored article was found: a <link rel=canonical> redirect, an
    exact re-post (same text) or a near-duplicate (spun wording, new title). Keyed by canonical URL."""

    __tablename__ = "article_aliases"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    article_id: Mapped[int] = mapped_column(RowId, ForeignKey("articles.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # canonical | same-text | near-duplicate
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Claim(Base):
    """A claim found in an article; keyed by a fingerprint of (article, sentence)."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    article_id: Mapped[int] = mapped_column(RowId, ForeignKey("articles.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    entities: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    stance: Mapped[str] = mapped_column(String(10))
    quantities: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float)
    notable: Mapped[bool] = mapped_column(Boolean, default=False)
    why: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Set in the same transaction that enqueues its alerts, so a crash never skips or repeats rules.
    rules_evaluated: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Set when a later version of the article no longer makes this claim (a correction, a rewrite);
    # cleared if the sentence comes back. The row stays: alerts already sent point at it (migration 0007).
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Dashboard filters read newest first (id descending) within one value: (value, id) indexes let the
    # database walk the index in order and stop after one page (migration 0006).
    __table_args__ = (
        Index("ix_claims_stance_id", "stance", "id"),
        Index("ix_claims_language_id", "language", "id"),
        Index("ix_claims_notable_id", "notable", "id"),
        Index("ix_claims_score_id", "score", "id"),
        # Partial: only the few withdrawn claims. A full index would tempt SQLite's planner to serve
        # "withdrawn_at IS NULL ORDER BY id DESC LIMIT n" (every list) from it and sort the whole table.
        Index(
            "ix_claims_withdrawn",
            "withdrawn_at",
            sqlite_where=sql_text("withdrawn_at IS NOT NULL"),
            postgresql_where=sql_text("withdrawn_at IS NOT NULL"),
        ),
    )


class ClaimTag(Base):
    """One (claim, entity), (claim, topic) or (claim, source id) pair, written with the claim: the JSON
    lists on `claims` cannot be indexed portably, this table can, so "claims about NVIDIA, newest first"
    is one index walk. The source row spares a join through articles that made the planner sort."""

    __tablename__ = "claim_tags"
    __table_args__ = (
        Index("ix_claim_tags_kind_value_claim", "kind", "value", "claim_id"),
        # Per-entity daily counts by stance read this index alone, without touching claims.
        Index("ix_claim_tags_kind_value_created_stance", "kind", "value", "created_at", "stance"),
    )

    claim_id: Mapped[int] = mapped_column(RowId, ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # entity | topic | source
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Copies of the claim's own values (its text and analysis never change once stored).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stance: Mapped[str] = mapped_column(String(10))


class ClaimSearch(Base):
    """A claim's text casefolded, in a narrow table of its own, for free-text search.

    A plain LIKE on folded text is case-insensitive on both databases and scans about 3x faster than
    PostgreSQL's ILIKE; a search that matches nothing reads the whole table, and this one is a few
    times smaller than `claims`. On PostgreSQL migration 0006 adds a pg_trgm GIN index on `folded`
    (ix_claim_search_folded_trgm) when the extension is available: searches of 3+ characters use it.
    """

    __tablename__ = "claim_search"

    claim_id: Mapped[int] = mapped_column(RowId, ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True)
    folded: Mapped[str] = mapped_column(Text)


# The states of an outbox row, in the order an alert goes through them (cancelled: its claim was withdrawn).
ALERT_STATES = ("pending", "sending", "sent", "failed", "unknown", "dead", "cancelled")


class Alert(Base):
    """One alert for one (rule, claim, target): the outbox row. The target URL itself stays in the
    config (it may hold secrets); the row keeps a masked form and a hash to find it again."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_due", "state", "next_attempt_at"),
        Index("ix_alerts_rule_kind_created", "rule", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    rule: Mapped[str] = mapped_column(String(200))
    claim_id: Mapped[int | None] = mapped_column(RowId, ForeignKey("claims.id"), index=True)
    target_hash: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text)  # masked, for display
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # pending -> sending -> sent, or -> failed (not delivered, retried) or unknown (sent, no answer: retried no
    # sooner than the lease) -> ... -> dead after max_attempts;
    # -> cancelled when its claim is withdrawn before the alert went out (back to pending if it returns)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10), default="immediate", server_default="immediate")  # or digest
    body_format: Mapped[str] = mapped_column(String(10), default="text", server_default="text")  # text|markdown|html
    digest_key: Mapped[str | None] = mapped_column(String(200))  # rule + period of a digest row
    # Who is sending the row and until when; a `sending` row whose lease ran out was left by a crash.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertClaim(Base):
    """The per-claim dedup record under a grouped outbox row: (rule, claim, target) is alerted once. An outbox
    row lists the claims of one article; each claim it lists has one of these, keyed to the row's dedup key
    (migration 0010). See storage/alert_claims.py."""

    __tablename__ = "alert_claims"

    rule: Mapped[str] = mapped_column(String(200), primary_key=True)
    claim_id: Mapped[int] = mapped_column(RowId, ForeignKey("claims.id"), primary_key=True)
    target_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    alert_key: Mapped[str] = mapped_column(String(64), index=True)  # the outbox row's dedup_key


class DigestItem(Base):
    """A claim waiting for a rule's digest (digest rules, and immediate rules' throttle overflow).
    `digest_key` is set in the transaction that queues the digest, so each item goes out once."""

    __tablename__ = "alert_digest_items"
    __table_args__ = (Index("ix_alert_digest_items_rule_claim", "rule", "claim_id", unique=True),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    rule: Mapped[str] = mapped_column(String(200))
    claim_id: Mapped[int] = mapped_column(RowId, ForeignKey("claims.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # digest | throttled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    digest_key: Mapped[str | None] = mapped_column(String(200), index=True)
