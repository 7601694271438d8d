"""Read-only queries behind the dashboard, the JSON API, the Atom feed and the CSV export.

Lists are newest first (claim id descending) with keyset pagination: a page is "the next `limit`
rows with id below the last one seen", so page 500 costs what page 1 costs, and new claims
arriving between requests never shift or repeat rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, Select, cast, func, select
from sqlalchemy.orm import Session, aliased

from chipwatch.storage.claim_context import ClaimInContext, claims_in_context
from chipwatch.storage.claims import fold_text
from chipwatch.storage.models import ALERT_STATES, Alert, Article, Claim, ClaimSearch, ClaimTag, Source
from chipwatch.storage.types import fits_row_id

STANCES = ("bullish", "bearish", "neutral")
# The states the dashboard lists and counts: a row is `sending` only for the seconds of one delivery.
LISTED_ALERT_STATES = tuple(state for state in ALERT_STATES if state != "sending")
# Claims a changed article no longer makes: hidden by default, listed on request, or listed alone.
WITHDRAWN_CHOICES = ("hide", "include", "only")


@dataclass(frozen=True)
class ClaimFilter:
    """Every filter is optional; set ones combine with AND."""

    entity: str | None = None
    topic: str | None = None
    stance: str | None = None
    language: str | None = None
    source: str | None = None
    min_score: float | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    notable: bool | None = None
    withdrawn: str = "hide"  # one of WITHDRAWN_CHOICES


@dataclass(frozen=True)
class ClaimPage:
    rows: list[ClaimInContext]
    next_before: int | None  # pass as `before_id` for the next (older) page; None on the last page
    prev_after: int | None = None  # pass as `after_id` for the previous (newer) page; None on the first page


def list_claims(
    session: Session,
    flt: ClaimFilter,
    *,
    limit: int = 50,
    before_id: int | None = None,
    after_id: int | None = None,
) -> ClaimPage:
    """One page of claims matching `flt`, newest first: the newest below `before_id`, or (going back a
    page) the oldest `limit` above `after_id`. Both directions read one page of the same index."""
    stmt, key = _claims_query(session, flt)
    if stmt is None:
        return ClaimPage([], None)
    if after_id is not None:
        newer = [
            ClaimInContext.from_row(r)
            for r in session.execute(stmt.where(key > after_id).order_by(key.asc()).limit(limit + 1))
        ]
        more_newer = len(newer) > limit
        rows = newer[:limit][::-1]
        # The page was reached from an older one, so older rows exist below it.
        return ClaimPage(rows, rows[-1].claim.id if rows else None, rows[0].claim.id if more_newer and rows else None)
    if before_id is not None:
        stmt = stmt.where(key < before_id)
    rows = [ClaimInContext.from_row(r) for r in session.execute(stmt.order_by(key.desc()).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    # A page below a cursor has newer rows above it (the page the cursor came from).
    prev = rows[0].claim.id if before_id is not None and rows else None
    return ClaimPage(rows, rows[-1].claim.id if more and rows else None, prev)


def iter_claims(session: Session, flt: ClaimFilter, *, batch: int = 1000) -> Iterator[ClaimInContext]:
    """Every claim matching `flt`, newest first, fetched page by page (for exports)."""
    before: int | None = None
    while True:
        page = list_claims(session, flt, limit=batch, before_id=before)
        yield from page.rows
        if page.next_before is None:
            return
        before = page.next_before
        session.expunge_all()  # keep memory flat over a long export


def _claims_query(session: Session, flt: ClaimFilter) -> tuple[Select[Any] | None, Any]:
    """The filtered SELECT and the column to order and page by.

    Entity, topic and source filters start from claim_tags' (kind, value, claim_id) index and page by its
    claim_id, so the database reads exactly one page of index entries; other filters page by
    claims.id and use the (column, id) indexes of migration 0006.
    """
    stmt = claims_in_context()
    key: Any = Claim.id
    source_tag = None
    if flt.source:
        source_id = session.scalar(select(Source.id).where(Source.name == flt.source))
        if source_id is None:
            return None, key
        source_tag = str(source_id)
    for kind, value in (("entity", flt.entity), ("topic", flt.topic), ("source", source_tag)):
        if value:
            tag = aliased(ClaimTag)
            stmt = stmt.join(tag, (tag.claim_id == Claim.id) & (tag.kind == kind) & (tag.value == value))
            if key is Claim.id:
                key = tag.claim_id
    if flt.withdrawn == "hide":
        stmt = stmt.where(Claim.withdrawn_at.is_(None))
    elif flt.withdrawn == "only":
        stmt = stmt.where(Claim.withdrawn_at.is_not(None))
    if flt.stance:
        stmt = stmt.where(Claim.stance == flt.stance)
    if flt.language:
        stmt = stmt.where(Claim.language == flt.language)
    if flt.min_score is not None:
        stmt = stmt.where(Claim.score >= flt.min_score)
    if flt.notable is not None:
        stmt = stmt.where(Claim.notable.is_(flt.notable))
    if flt.since is not None:
        stmt = stmt.where(Claim.created_at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(Claim.created_at < flt.until)
    if flt.q:
        # Both sides casefolded (fold_text), so a plain LIKE is case-insensitive on
        # SQLite and PostgreSQL alike, and PostgreSQL can use the pg_trgm index of migration 0006.
        pattern = f"%{_escape_like(fold_text(flt.q))}%"
        matches = ClaimSearch.folded.like(pattern, escape="\\")
        if session.get_bind().dialect.name == "sqlite":
            # SQLite would walk claims newest first and probe claim_search per row: a search matching
            # nothing then reads the wide claims table. IN (subquery) makes it scan the narrow table.
            stmt = stmt.where(Claim.id.in_(select(ClaimSearch.claim_id).where(matches)))
        else:
            stmt = stmt.join(ClaimSearch, ClaimSearch.claim_id == Claim.id).where(matches)
    return stmt, key


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class ArticleView:
    article: Article
    source: str
    claims: list[Claim]  # every claim, withdrawn ones included (each says when)

    @property
    def current(self) -> list[Claim]:
        """The claims the article makes now."""
        return [c for c in self.claims if c.withdrawn_at is None]

    @property
    def withdrawn(self) -> list[Claim]:
        """Claims an earlier version made and the current one does not."""
        return [c for c in self.claims if c.withdrawn_at is not None]


def article_with_claims(session: Session, article_id: int) -> ArticleView | None:
    """An article, its source name and all its claims in id order (withdrawn ones too: the article page
    shows what changed); None when there is no such article (an id no database column can hold included)."""
    if not fits_row_id(article_id):
        return None
    found = session.execute(
        select(Article, Source.name).join(Source, Article.source_id == Source.id).where(Article.id == article_id)
    ).first()
    if found is None:
        return None
    claims = list(session.scalars(select(Claim).where(Claim.article_id == article_id).order_by(Claim.id)))
    return ArticleView(found[0], found[1], claims)


@dataclass(frozen=True)
class DailyCount:
    day: date
    stance: str
    count: int


def utc_day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as each database spells it (read it back with `as_date`)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)  # SQLite stores UTC text: date() takes its first 10 characters


def entity_daily_counts(session: Session, entity: str, since: datetime) -> list[DailyCount]:
    """Claims per UTC day and stance naming `entity` since `since`, oldest day first, withdrawn claims
    left out. Reads only claim_tags' (kind, value, created_at, stance) index, then subtracts the few
    withdrawn claims: found through the partial index on claims.withdrawn_at, their tags by primary key
    (a join or NOT IN here would read the entity's whole tag range a second time)."""
    day = utc_day(session, ClaimTag.created_at)
    stmt = (
        select(day, ClaimTag.stance, func.count())
        .where(ClaimTag.kind == "entity", ClaimTag.value == entity, ClaimTag.created_at >= since)
        .group_by(day, ClaimTag.stance)
    )
    counts = {(as_date(d), stance): n for d, stance, n in session.execute(stmt)}
    for key, n in _withdrawn_tag_counts(session, "entity", entity, since).items():
        counts[key] = counts.get(key, 0) - n
    return [DailyCount(d, stance, n) for (d, stance), n in sorted(counts.items()) if n > 0]


def _withdrawn_tag_counts(session: Session, kind: str, value: str, since: datetime) -> Counter[tuple[date, str]]:
    """(UTC day, stance) -> how many withdrawn claims tagged (kind, value) were created that day."""
    out: Counter[tuple[date, str]] = Counter()
    ids = list(session.scalars(select(Claim.id).where(Claim.withdrawn_at.is_not(None))))
    for start in range(0, len(ids), 500):
        tags = select(ClaimTag.created_at, ClaimTag.stance).where(
            ClaimTag.claim_id.in_(ids[start : start + 500]), ClaimTag.kind == kind, ClaimTag.value == value
        )
        for created, stance in session.execute(tags):
            if created >= since:
                out[(created.astimezone(UTC).date(), stance)] += 1
    return out


def notable_claims_with_numbers(session: Session, entity: str, limit: int = 20) -> list[ClaimInContext]:
    """The newest notable claims about `entity` that carry quantities: the numbers worth watching."""
    out: list[ClaimInContext] = []
    before: int | None = None
    while len(out) < limit:
        page = list_claims(session, ClaimFilter(entity=entity, notable=True), limit=limit * 3, before_id=before)
        out += [r for r in page.rows if r.claim.quantities]
        if page.next_before is None:
            break
        before = page.next_before
    return out[:limit]


def known_values(session: Session, kind: str, limit: int = 200) -> list[str]:
    """Distinct entity or topic names seen (kind `entity` or `topic`), for the filter pickers.

    A loose index scan: each step seeks the next larger value in the (kind, value, claim_id) index,
    so the cost grows with the number of distinct names, not with the number of claims (SELECT
    DISTINCT read every tag row: ~30 ms per call at 100k claims).
    """
    out: list[str] = []
    step = select(func.min(ClaimTag.value)).where(ClaimTag.kind == kind)
    while len(out) < limit:
        value = session.scalar(step.where(ClaimTag.value > out[-1]) if out else step)
        if value is None:
            break
        out.append(value)
    return out


def source_names(session: Session) -> list[str]:
    return list(session.scalars(select(Source.name).order_by(Source.name)))


def list_alerts(
    session: Session, *, state: str | None = None, limit: int = 100, before_id: int | None = None
) -> tuple[list[Alert], int | None]:
    """Alerts newest first, optionally of one state; returns the rows and the next `before_id`."""
    stmt = select(Alert).order_by(Alert.id.desc()).limit(limit + 1)
    if state:
        stmt = stmt.where(Alert.state == state)
    if before_id is not None:
        stmt = stmt.where(Alert.id < before_id)
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].id if more and rows else None


def alert_state(session: Session, alert_id: int) -> str | None:
    """The state of one alert, or None when there is no such alert (an id no database column can hold
    included): tells "nothing to retry" from "no such alert"."""
    if not fits_row_id(alert_id):
        return None
    return session.scalar(select(Alert.state).where(Alert.id == alert_id))


def alert_counts(session: Session) -> dict[str, int]:
    """Alerts per state, every state present (zero when none)."""
    counts = dict.fromkeys(LISTED_ALERT_STATES, 0)
    counts.update(dict(session.execute(select(Alert.state, func.count()).group_by(Alert.state)).all()))
    return counts


def database_answers(session: Session) -> bool:
    """True when a trivial query succeeds (for /healthz)."""
    return session.scalar(select(1)) == 1


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
