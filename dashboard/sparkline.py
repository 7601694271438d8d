"""A sparkline drawn on the server as inline SVG: no script, no CDN, readable with one day of data or a year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Sparkline:
    """Geometry only (the template draws it, escaping the label): a line over `days` daily values, the last
    day's dot, a zero baseline."""

    width: int
    height: int
    points: str  # "x,y x,y ..." for <polyline points>
    last_x: float
    last_y: float
    total: int
    peak: int
    label: str  # what a screen reader (and a hover) says


def sparkline(
    per_day: dict[date, int], last_day: date, days: int = 30, *, width: int = 120, height: int = 28
) -> Sparkline:
    """One point per day from `last_day - days + 1` to `last_day`; a day without claims is zero. The line is
    scaled to the busiest day, with a 2 px margin, so one busy day or a flat year both stay visible."""
    first = last_day - timedelta(days=days - 1)
    values = [per_day.get(first + timedelta(days=i), 0) for i in range(days)]
    peak = max(values, default=0)
    step = (width - 4) / max(days - 1, 1)
    usable = height - 4

    def y(v: int) -> float:
        return round(height - 2 - (usable * v / peak if peak else 0), 1)

    coords = [(round(2 + i * step, 1), y(v)) for i, v in enumerate(values)]
    total = sum(values)
    label = (
        f"{total} notable claims in {days} days, at most {peak} a day ({first.isoformat()} to {last_day.isoformat()})"
    )
    return Sparkline(
        width,
        height,
        " ".join(f"{x},{yy}" for x, yy in coords),
        coords[-1][0],
        coords[-1][1],
        total,
        peak,
        label,
    )
