"""Clock rules in a rule's own time zone: quiet-hour windows and digest periods."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chipwatch.config import AlertRule


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(rule: AlertRule, now: datetime) -> datetime | None:
    """If `now` falls in the rule's quiet hours, the UTC moment they end; else None.

    The window is [start, end) on the local clock and may wrap midnight (22:00-07:00).
    """
    if rule.quiet_hours is None:
        return None
    zone = ZoneInfo(rule.timezone)
    local = now.astimezone(zone)
    start, end = _clock(rule.quiet_hours.start), _clock(rule.quiet_hours.end)
    t = local.time().replace(second=0, microsecond=0)
    if start == end:
        return None
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def digest_slot(rule: AlertRule, now: datetime) -> datetime:
    """The latest scheduled digest time at or before `now` (UTC): the end of the period that is due."""
    zone = ZoneInfo(rule.timezone)
    local = now.astimezone(zone)
    at = _clock(rule.digest.at)
    if rule.digest.every == "hourly":
        slot = local.replace(minute=at.minute, second=0, microsecond=0)
        if slot > local:
            slot -= timedelta(hours=1)
    else:
        slot = datetime.combine(local.date(), at, tzinfo=zone)
        if slot > local:
            slot = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=zone)
    return slot.astimezone(UTC)
