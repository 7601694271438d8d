"""Server-side SVG geometry for the per-entity chart: claims per day, stacked by stance.

Only numbers are computed here; the template draws the rectangles (so labels are escaped there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chipwatch.storage.queries import DailyCount

STANCE_ORDER = ("bearish", "neutral", "bullish")  # bottom to top


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    stance: str
    label: str  # tooltip: day, stance and count


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    max_count: int
    first_day: date
    last_day: date
    total: int


def daily_stance_chart(
    counts: list[DailyCount], first_day: date, last_day: date, *, width: int = 720, height: int = 200
) -> Chart:
    """One column per day from first_day to last_day (empty days stay empty), stances stacked."""
    days = (last_day - first_day).days + 1
    per_day: dict[date, dict[str, int]] = {}
    for c in counts:
        per_day.setdefault(c.day, {})[c.stance] = per_day.get(c.day, {}).get(c.stance, 0) + c.count
    max_count = max((sum(v.values()) for v in per_day.values()), default=0)
    slot = width / max(days, 1)
    bars: list[Bar] = []
    for i in range(days):
        day = first_day + timedelta(days=i)
        y = float(height)
        for stance in STANCE_ORDER:
            n = per_day.get(day, {}).get(stance, 0)
            if not n:
                continue
            h = height * n / max_count
            y -= h
            bars.append(
                Bar(
                    round(i * slot + slot * 0.1, 2),
                    round(y, 2),
                    round(slot * 0.8, 2),
                    round(h, 2),
                    stance,
                    f"{day.isoformat()}: {n} {stance}",
                )
            )
    total = sum(c.count for c in counts)
    return Chart(width, height, bars, max_count, first_day, last_day, total)
