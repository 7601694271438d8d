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
    # Entries the last listing held (migration 0010): with the article counts, what was listed vs. stored.
    entries_listed: Mapped[int | None] = mapped_column(Integer)
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
        Index("ix_articles_fetch_due", "fetch_state", "source_id", "fetch_next_at"),
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

    # The article's own page (migration 0010): `fetched` (or the source held the document), `pending` (the
    # entry is stored with the feed's text; the page is retried at fetch_next_at), `failed` (gave up: the
    # feed's text stays), `none` (the entry names no page to fetch). fetch_attempts counts page failures.
    fetch_state: Mapped[str] = mapped_column(String(10), default="fetched", server_default="fetched")
    fetch_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fetch_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetch_error: Mapped[str | None] = mapped_column(Text)


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
    # The cluster of claims stating the same fact or event (storage/clustering.py, migration 0010), and what
    # this claim did to it: started | new_value | contradiction, or NULL when it repeated what was known.
    cluster_id: Mapped[int | None] = mapped_column(RowId, ForeignKey("claim_clusters.id"), index=True)
    novelty: Mapped[str | None] = mapped_column(String(20))

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


class WebSubSubscription(Base):
    """A source's WebSub subscription at its hub (migration 0010): the callback id in the URL the hub posts to,
    the secret the hub signs deliveries with, and where the subscription stands. One row per source."""

    __tablename__ = "websub_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), unique=True)
    hub: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(Text)
    callback_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[str] = mapped_column(String(128))
    # requested (waiting for the hub's verification) | active | unsubscribing | failed | ended
    state: Mapped[str] = mapped_column(String(20))
    lease_seconds: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)  # deliveries whose signature did not check out


class SourceHealth(Base):
    """Whether a source works (migration 0010): its current problem and since when, and the episode number
    that keys its one alert and one recovery notice."""

    __tablename__ = "source_health"

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    watching_since: Mapped[datetime] = mapped_column(UTCDateTime)
    problem: Mapped[str | None] = mapped_column(Text)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    episode: Mapped[int] = mapped_column(Integer, default=0)
    # Ids of the last poll's new articles, until all are extracted (or failed): the "layout changed" test.
    pending_batch: Mapped[list[int]] = mapped_column(JSON, default=list)
    layout_failing: Mapped[bool] = mapped_column(Boolean, default=False)


class ClaimCluster(Base):
    """Claims that state the same fact (entity, metric, period, unit and a value within rounding) or the same
    event (entity and topic within a week), across sources and languages. Its counters are kept up to date
    by storage/clustering.py under a per-slot lock, so reading a cluster never needs its members."""

    __tablename__ = "claim_clusters"
    __table_args__ = (
        # A new claim finds its candidates here: one slot, values within rounding of its own.
        Index("ix_claim_clusters_slot_value", "slot", "value"),
        Index("ix_claim_clusters_entity_metric_period", "entity", "metric", "period"),
        Index("ix_claim_clusters_entity_id", "entity", "id"),
        Index("ix_claim_clusters_last_seen", "last_seen"),
        Index(
            "ix_claim_clusters_contradicted",
            "id",
            sqlite_where=sql_text("contradictions > 0"),
            postgresql_where=sql_text("contradictions > 0"),
        ),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # fact | event
    slot: Mapped[str] = mapped_column(String(400))
    entity: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str | None] = mapped_column(String(40))
    period: Mapped[str | None] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[float | None] = mapped_column(Float)  # the first claim's value: what later values are compared to
    values: Mapped[list[float]] = mapped_column(JSON, default=list)  # distinct values stated, at most 10
    size: Mapped[int] = mapped_column(Integer, default=1)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_count: Mapped[int] = mapped_column(Integer, default=1)
    contradictions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_claim_id: Mapped[int] = mapped_column(RowId)
    first_source_id: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    # The newest bullish and bearish member: an opposite stance within the window is a contradiction.
    last_bullish_claim_id: Mapped[int | None] = mapped_column(RowId)
    last_bullish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_bearish_claim_id: Mapped[int | None] = mapped_column(RowId)
    last_bearish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stance_contradicted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))


class ClusterSource(Base):
    """One (cluster, source) pair with the source's first claim in it: source counts and track records."""

    __tablename__ = "cluster_sources"

    cluster_id: Mapped[int] = mapped_column(RowId, ForeignKey("claim_clusters.id"), primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_claim_id: Mapped[int] = mapped_column(RowId)


class Contradiction(Base):
    """Two sides that cannot both be right: two clusters of one entity, metric and period with different
    values (kind `value`), or opposite stances on one fact within a window (kind `stance`, one cluster)."""

    __tablename__ = "claim_contradictions"
    __table_args__ = (Index("ix_claim_contradictions_pair", "kind", "cluster_a_id", "cluster_b_id", unique=True),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # value | stance
    cluster_a_id: Mapped[int] = mapped_column(RowId, ForeignKey("claim_clusters.id"), index=True)
    cluster_b_id: Mapped[int] = mapped_column(RowId, ForeignKey("claim_clusters.id"), index=True)
    claim_a_id: Mapped[int] = mapped_column(RowId)  # the earlier side's claim
    claim_b_id: Mapped[int] = mapped_column(RowId)  # the claim that made the contradiction
    entity: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str | None] = mapped_column(String(40))
    period: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
