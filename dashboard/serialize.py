"""Rows to JSON-ready dicts: the shapes INTERFACES.md fixes for /api/..."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chipwatch.redact import mask_url
from chipwatch.storage.claim_context import ClaimInContext
from chipwatch.storage.cluster_queries import ClusterView, ContradictionView, TimelinePoint
from chipwatch.storage.models import Alert
from chipwatch.storage.queries import ArticleView
from chipwatch.storage.records import claim_record, claim_with_article, iso
from chipwatch.storage.sources import source_summaries
from chipwatch.storage.track_record import TrackRecord, track_records_by_name


def claim_row_dict(row: ClaimInContext) -> dict[str, Any]:
    """A `/api/claims` item: the claim plus article_url, article_title, source, published."""
    return claim_with_article(
        row.claim,
        article_url=row.article_url,
        article_title=row.article_title,
        source=row.source,
        published=row.published,
    )


def article_dict(view: ArticleView) -> dict[str, Any]:
    a = view.article
    return {
        "id": a.id,
        "source": view.source,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "title": a.title,
        "language": a.language,
        "published": iso(a.published),
        "fetched_at": iso(a.fetched_at),
        "status": a.status,
        "error": a.error,
        "fetch_state": a.fetch_state,
        "fetch_error": a.fetch_error,
        "text": a.text,
        "claims": [claim_record(c) for c in view.claims],
    }


def source_dict(summary: dict[str, Any]) -> dict[str, Any]:
    """A `sources list --json` row with its URL masked (feed URLs may carry keys)."""
    return {**summary, "url": mask_url(summary["url"]) if summary.get("url") else summary.get("url")}


def sources_with_track_records(session: Session) -> list[dict[str, Any]]:
    """`/api/sources` items and the sources page's rows: each source with its `track_record`."""
    records = track_records_by_name(session)
    return [
        {**source_dict(s), "track_record": records.get(s["name"], TrackRecord()).as_dict()}
        for s in source_summaries(session)
    ]


def alert_dict(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule": alert.rule,
        "claim_id": alert.claim_id,
        "target": mask_url(alert.target),  # stored masked already; masked again in case of older rows
        "title": alert.title,
        "state": alert.state,
        "attempts": alert.attempts,
        "last_error": alert.last_error,
        "created_at": iso(alert.created_at),
        "next_attempt_at": iso(alert.next_attempt_at),
        "sent_at": iso(alert.sent_at),
    }


def cluster_dict(view: ClusterView) -> dict[str, Any]:
    """A `/api/clusters` item: the fact or event, its counters, sources, values and first members."""
    c = view.cluster
    return {
        "id": c.id,
        "kind": c.kind,
        "entity": c.entity,
        "metric": c.metric,
        "period": c.period,
        "unit": c.unit,
        "topic": c.topic,
        "value": c.value,
        "values": sorted(c.values or []),
        "size": c.size,
        "languages": list(c.languages or []),
        "source_count": c.source_count,
        "sources": view.sources,
        "first_source": view.first_source,
        "first_claim_id": c.first_claim_id,
        "first_seen": iso(c.first_seen),
        "last_seen": iso(c.last_seen),
        "contradictions": view.contradiction_ids,
        "members": [claim_row_dict(m) for m in view.members],
    }


def contradiction_dict(view: ContradictionView) -> dict[str, Any]:
    """A `/api/contradictions` item: both sides, each a cluster summary and the claim that states it."""
    r = view.record

    def side(cluster: ClusterView, claim: ClaimInContext | None) -> dict[str, Any]:
        return {
            "cluster": {k: v for k, v in cluster_dict(cluster).items() if k != "members"},
            "claim": claim_row_dict(claim) if claim is not None else None,
        }

    return {
        "id": r.id,
        "kind": r.kind,
        "entity": r.entity,
        "metric": r.metric,
        "period": r.period,
        "created_at": iso(r.created_at),
        "sides": [side(view.side_a, view.claim_a), side(view.side_b, view.claim_b)],
    }


def timeline_dict(point: TimelinePoint) -> dict[str, Any]:
    return {
        "cluster_id": point.cluster_id,
        "metric": point.metric,
        "period": point.period,
        "unit": point.unit,
        "value": point.value,
        "first_seen": iso(point.first_seen),
        "last_seen": iso(point.last_seen),
        "size": point.size,
        "sources": point.sources,
        "first_claim": claim_row_dict(point.first_claim) if point.first_claim is not None else None,
    }
