"""Query parameters of the claims views, parsed once for pages, API, feed and CSV alike.

Everything arrives as text (an HTML form sends empty strings for unset fields), so parsing is done
here rather than by FastAPI's typing: a bad value becomes one FilterError naming the parameter and
the fix, shown on the page or returned as a 400.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastapi import Query

from chipwatch.storage.queries import STANCES, WITHDRAWN_CHOICES, ClaimFilter
from chipwatch.storage.types import MAX_ROW_ID

MAX_LIMIT = 500
# ASCII digits only: str.isdigit() also accepts "²" and other scripts' digits, which int() then refuses or reads.
_RELATIVE = re.compile(r"([0-9]{1,4})([hd])")
_LIMIT = re.compile(r"[0-9]{1,3}")
_CURSOR = re.compile(r"([cn])([0-9]{1,19})")


class FilterError(ValueError):
    """A query parameter that cannot be used; the message names it and says what is accepted."""


@dataclass(frozen=True)
class ClaimQuery:
    """The raw parameters as given (kept for links and forms) plus their parsed form."""

    raw: dict[str, str]
    filter: ClaimFilter
    limit: int
    before_id: int | None
    after_id: int | None = None  # a "newer" cursor: the page above this id


def claim_params(
    entity: str | None = Query(None, description="canonical entity name, e.g. NVIDIA"),
    topic: str | None = Query(None, description="topic, e.g. inference"),
    stance: str | None = Query(None, description="bullish, bearish or neutral"),
    language: str | None = Query(None, description="language code: zh, ja, en, ..."),
    source: str | None = Query(None, description="source name from the config"),
    min_score: str | None = Query(None, description="lowest score, 0 to 1"),
    since: str | None = Query(None, description="ISO date/time, or relative: 24h, 7d"),
    until: str | None = Query(None, description="ISO date/time (exclusive)"),
    q: str | None = Query(None, description="text the claim contains"),
    withdrawn: str | None = Query(
        None, description="claims a changed article no longer makes: hide (default), include or only"
    ),
    limit: str | None = Query(None, description=f"page size, 1 to {MAX_LIMIT}"),
    cursor: str | None = Query(None, description="next_cursor or prev_cursor of the page you are on"),
) -> dict[str, str]:
    """FastAPI dependency: the non-empty parameters as strings (documents them in /openapi.json)."""
    given = dict(
        entity=entity,
        topic=topic,
        stance=stance,
        language=language,
        source=source,
        min_score=min_score,
        since=since,
        until=until,
        q=q,
        withdrawn=withdrawn,
        limit=limit,
        cursor=cursor,
    )
    return {k: v.strip() for k, v in given.items() if v is not None and v.strip()}


def parse_claim_query(raw: dict[str, str], *, default_limit: int = 50, now: datetime | None = None) -> ClaimQuery:
    """Turn raw parameters into a ClaimFilter, a page size and a position; raises FilterError."""
    stance = raw.get("stance")
    if stance and stance not in STANCES:
        raise FilterError(f"stance {stance!r} is not known; use one of {', '.join(STANCES)}")
    withdrawn = raw.get("withdrawn", "hide")
    if withdrawn not in WITHDRAWN_CHOICES:
        raise FilterError(f"withdrawn {withdrawn!r} is not known; use one of {', '.join(WITHDRAWN_CHOICES)}")
    min_score = None
    if "min_score" in raw:
        try:
            min_score = float(raw["min_score"])
        except ValueError:
            raise FilterError(f"min_score {raw['min_score']!r} is not a number; use a value from 0 to 1") from None
        if not 0.0 <= min_score <= 1.0:
            raise FilterError(f"min_score {min_score} is out of range; use a value from 0 to 1")
    limit = default_limit
    if "limit" in raw:
        if not _LIMIT.fullmatch(raw["limit"]) or not 1 <= int(raw["limit"]) <= MAX_LIMIT:
            raise FilterError(f"limit {raw['limit']!r} is not allowed; use a whole number from 1 to {MAX_LIMIT}")
        limit = int(raw["limit"])
    flt = ClaimFilter(
        entity=raw.get("entity"),
        topic=raw.get("topic"),
        stance=stance,
        language=raw.get("language"),
        source=raw.get("source"),
        min_score=min_score,
        since=parse_time("since", raw.get("since"), now),
        until=parse_time("until", raw.get("until"), now),
        q=raw.get("q", "")[:200] or None,
        withdrawn=withdrawn,
    )
    before_id, after_id = decode_position(raw.get("cursor"))
    return ClaimQuery(raw, flt, limit, before_id, after_id)


def parse_time(name: str, value: str | None, now: datetime | None = None) -> datetime | None:
    """ISO date or date-time (UTC when no offset is given), or `24h` / `7d` before now."""
    if not value:
        return None
    match = _RELATIVE.fullmatch(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        span = timedelta(hours=amount) if unit == "h" else timedelta(days=amount)
        return (now or datetime.now(UTC)) - span
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            raise FilterError(
                f"{name} {value!r} is not a time; write 2026-11-25, 2026-11-25T08:00Z, 24h or 7d"
            ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        # Stored times are UTC: a time that has no UTC form (0001-01-01T00:00+14:00) matches nothing anyone stored.
        return parsed.astimezone(UTC)
    except OverflowError:
        raise FilterError(
            f"{name} {value!r} falls outside the years 1 to 9999 in UTC; give a time within them"
        ) from None


def encode_cursor(position: int | None, *, newer: bool = False) -> str | None:
    """An opaque position: clients pass it back, they should not build it. By default it means "older
    than this id" (next_cursor); `newer` means "the page above this id" (prev_cursor)."""
    if position is None:
        return None
    return base64.urlsafe_b64encode(f"{'n' if newer else 'c'}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id an "older than" cursor points below (lists that only page forward)."""
    before_id, after_id = decode_position(cursor)
    if after_id is not None:
        raise FilterError("this list only pages forward; pass next_cursor from the previous page unchanged")
    return before_id


def decode_position(cursor: str | None) -> tuple[int | None, int | None]:
    """(before_id, after_id) of a cursor; at most one is set."""
    if not cursor:
        return None, None
    try:
        match = _CURSOR.fullmatch(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        match = None
    if match and int(match.group(2)) <= MAX_ROW_ID:  # no row has a larger id; the database cannot compare it
        position = int(match.group(2))
        return (position, None) if match.group(1) == "c" else (None, position)
    raise FilterError("cursor is not one this server gave out; pass next_cursor or prev_cursor from a page unchanged")
