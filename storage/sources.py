"""Source rows: kept in step with the config, and their polling state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chipwatch.storage.models import Article, Source
from chipwatch.storage.types import utcnow


@dataclass(frozen=True)
class SourceSpec:
    """What storage needs to know of a configured source."""

    name: str
    kind: str
    url: str | None
    enabled: bool = True


def sync_sources(session: Session, specs: Iterable[SourceSpec]) -> dict[str, Source]:
    """Create missing source rows and refresh kind/url; sources dropped from the config become
    `disabled` (their articles stay). Returns the configured rows by name."""
    specs = list(specs)
    existing = {s.name: s for s in session.scalars(select(Source))}
    out: dict[str, Source] = {}
    for spec in specs:
        row = existing.get(spec.name)
        if row is None:
            row = Source(name=spec.name, kind=spec.kind, url=spec.url, status="ok", failures=0, state={})
            session.add(row)
        else:
            if (row.kind, row.url) != (spec.kind, spec.url):
                row.state = {}  # a new location starts without the old ETag
            row.kind, row.url = spec.kind, spec.url
        if not spec.enabled:
            row.status = "disabled"
        elif row.status == "disabled":
            row.status = "ok"
        out[spec.name] = row
    configured = {s.name for s in specs}
    for name, row in existing.items():
        if name not in configured:
            row.status = "disabled"
    session.flush()
    return out


def record_poll(
    session: Session,
    source: Source,
    *,
    state: dict[str, Any],
    error: str | None,
    next_check: datetime | None,
    now: datetime | None = None,
) -> None:
    """Store the outcome of one poll: the connector's next state, or the error and a failure count."""
    source.last_checked = now or utcnow()
    source.next_check = next_check
    source.state = dict(state)
    if error:
        source.failures = (source.failures or 0) + 1
        source.status = "error"
        source.last_error = error[:2000]
    else:
        source.failures = 0
        source.status = "ok"
        source.last_error = None


def source_summaries(session: Session) -> list[dict[str, Any]]:
    """One dict per source in the `sources list --json` shape."""
    counts = dict(session.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all())
    rows = session.scalars(select(Source).order_by(Source.name))
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "url": s.url,
            "status": s.status,
            "last_error": s.last_error,
            "last_checked": s.last_checked.isoformat() if s.last_checked else None,
            "next_check": s.next_check.isoformat() if s.next_check else None,
            "articles": counts.get(s.id, 0),
        }
        for s in rows
    ]


def source_by_name(session: Session, name: str) -> Source:
    """The row of a configured source (sync_sources creates it)."""
    return session.scalars(select(Source).where(Source.name == name)).one()
