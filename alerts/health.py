"""What a source health alert says, and its outbox rows: one per target when a source starts failing, one when it
works again. The dedup key is (source, episode, failing|recovered, target), so however many polls fail in a row,
or however often the check reruns, each target gets one alert and one recovery notice per episode."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from chipwatch.alerts.notify import target_hash
from chipwatch.alerts.targets import health_targets
from chipwatch.config import AlertSettings
from chipwatch.redact import mask_target, mask_url

HEALTH_KIND = "health"


@dataclass(frozen=True)
class HealthEvent:
    source: str
    url: str | None
    episode: int
    change: Literal["failing", "recovered"]
    problem: str  # for a recovery: the problem that ended
    since: datetime


def health_dedup_key(event: HealthEvent, url: str) -> str:
    return hashlib.sha256(
        f"health\n{event.source}\n{event.episode}\n{event.change}\n{target_hash(url)}".encode()
    ).hexdigest()


def render_health(event: HealthEvent, key: str) -> tuple[str, str]:
    since = event.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = f"\nURL: {mask_url(event.url)}" if event.url else ""
    if event.change == "failing":
        title = f"chipwatch: source {event.source} is failing"
        body = f"Source {event.source} has a problem since {since}: {event.problem}{where}"
        body += "\nYou will get one notice when it works again; no more alerts about it until then."
    else:
        title = f"chipwatch: source {event.source} works again"
        body = f"Source {event.source} works again (failing since {since}: {event.problem}).{where}"
    return title[:200], f"{body}\n\nAlert-Id: {key}"


def health_alert_rows(alerts: AlertSettings, event: HealthEvent) -> list[dict[str, Any]]:
    """Outbox rows for one health event, one per health target (none when no target is configured)."""
    rows: list[dict[str, Any]] = []
    for rule, url in health_targets(alerts):
        key = health_dedup_key(event, url)
        title, body = render_health(event, key)
        rows.append(
            {
                "dedup_key": key,
                "rule": rule,
                "claim_id": None,
                "kind": HEALTH_KIND,
                "target_hash": target_hash(url),
                "target": mask_target(url),
                "title": title,
                "body": body,
                "body_format": "text",
                "next_attempt_at": None,
            }
        )
    return rows
