"""The overview page's numbers: notable claims per entity over a day and a week, each entity's notable claims per
day for a sparkline, and alerts per state over the last day. Withdrawn claims are left out everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from chipwatch.storage.models import Alert, Claim, ClaimTag
from chipwatch.storage.queries import LISTED_ALERT_STATES, as_date, utc_day


@dataclass(frozen=True)
class EntityCount:
    entity: str
    day: int  # notable claims naming it in the last 24 h
    week: int  # ... in the last 7 days


def _notable_tags(since: datetime) -> list[object]:
    return [
        ClaimTag.kind == "entity",
        ClaimTag.created_at >= since,
        Claim.notable.is_(True),
        Claim.withdrawn_at.is_(None),
    ]


def notable_total(session: Session, since: datetime) -> int:
    stmt = select(func.count()).where(Claim.notable.is_(True), Claim.withdrawn_at.is_(None), Claim.created_at >= since)
    return int(session.execute(stmt).scalar_one())


def top_entities(session: Session, day_since: datetime, week_since: datetime, limit: int = 12) -> list[EntityCount]:
    """The entities named most by notable claims in the week, with their day and week counts."""
    in_day = func.sum(case((ClaimTag.created_at >= day_since, 1), else_=0)).cast(Integer)
    week = func.count()
    stmt = (
        select(ClaimTag.value, in_day, week)
        .join(Claim, Claim.id == ClaimTag.claim_id)
        .where(*_notable_tags(week_since))
        .group_by(ClaimTag.value)
        .order_by(week.desc(), ClaimTag.value)
        .limit(limit)
    )
    return [EntityCount(entity, int(d or 0), int(w)) for entity, d, w in session.execute(stmt)]


def notable_per_day(session: Session, entities: list[str], since: datetime) -> dict[str, dict[date, int]]:
    """entity -> UTC day -> notable claims naming it that day, from `since` on (days without any are absent)."""
    if not entities:
        return {}
    day = utc_day(session, ClaimTag.created_at)
    stmt = (
        select(ClaimTag.value, day, func.count())
        .join(Claim, Claim.id == ClaimTag.claim_id)
        .where(*_notable_tags(since), ClaimTag.value.in_(entities))
        .group_by(ClaimTag.value, day)
    )
    out: dict[str, dict[date, int]] = {e: {} for e in entities}
    for entity, d, n in session.execute(stmt):
        out[entity][as_date(d)] = int(n)
    return out


def alerts_since(session: Session, since: datetime) -> dict[str, int]:
    """Alerts queued since `since`, per state (every listed state present)."""
    counts = dict.fromkeys(LISTED_ALERT_STATES, 0)
    stmt = select(Alert.state, func.count()).where(Alert.created_at >= since).group_by(Alert.state)
    counts.update({state: int(n) for state, n in session.execute(stmt)})
    return counts
