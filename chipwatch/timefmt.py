"""One way to write times for people: relative ("3 min ago", "in 2 h") with the absolute time in the reader's
time zone ("2026-12-04 19:05 CET") beside it or on hover. Machines get ISO 8601 in UTC elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

ABSOLUTE = "%Y-%m-%d %H:%M %Z"
_STEPS = ((60, 1, "s"), (3600, 60, "min"), (86400, 3600, "h"), (86400 * 60, 86400, "d"))


def absolute(value: datetime, zone: str = "UTC") -> str:
    """'2026-12-04 19:05 CET': minutes, in the configured time zone, with its abbreviation."""
    return value.astimezone(ZoneInfo(zone)).strftime(ABSOLUTE)


def span(seconds: float) -> str:
    """A duration in its largest sensible unit: 45 s, 12 min, 3 h, 5 d, 4 mo."""
    seconds = abs(seconds)
    for limit, size, unit in _STEPS:
        if seconds < limit:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds // (86400 * 30))} mo"


def relative(value: datetime, now: datetime | None = None) -> str:
    """'3 min ago', 'in 12 min', 'just now' (within 5 s either way)."""
    now = now or datetime.now(UTC)
    delta = (value - now).total_seconds()
    if abs(delta) < 5:
        return "just now"
    return f"in {span(delta)}" if delta > 0 else f"{span(delta)} ago"
