"""Timestamps written in ISO 8601 / RFC 3339 / W3C form, as sitemaps and JSON Feed carry them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_iso_utc(value: Any) -> datetime | None:
    """`2025-01-27`, `2025-01-27T08:00:00+08:00` or `...Z` in UTC; a time without zone is taken as UTC.
    Anything unreadable (or not a string) is None: a bad date must not cost the item."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
