"""Server-side SVG geometry for an entity's timeline: each metric's values over time, one line per metric.

Only numbers are computed here; the template draws the shapes (and escapes every label). One unit per
chart: the unit most points have (USD next to % would flatten one of them); the rest are listed in the
table under the chart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from chipwatch.storage.cluster_queries import TimelinePoint

MAX_SERIES = 6


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str  # tooltip: period, value, date, sources
    cluster_id: int


@dataclass
class Series:
    name: str  # the metric ("unlabelled" when the engine gave none)
    index: int  # picks its colour class
    dots: list[Dot] = field(default_factory=list)

    @property
    def path(self) -> str:
        return " ".join(f"{d.x},{d.y}" for d in self.dots)


@dataclass(frozen=True)
class TimelineChart:
    width: int
    height: int
    unit: str | None
    series: list[Series]
    low: float
    high: float
    first: datetime | None
    last: datetime | None


def timeline_chart(points: list[TimelinePoint], *, width: int = 720, height: int = 220, pad: int = 8) -> TimelineChart:
    """Dots at (first seen, value) for the most common unit, joined per metric in time order."""
    units = Counter(p.unit for p in points)
    if not points:
        return TimelineChart(width, height, None, [], 0.0, 0.0, None, None)
    unit = units.most_common(1)[0][0]
    shown = [p for p in points if p.unit == unit]
    # The values' own range with a margin, not from zero: a revision of 46.7 to 47.5 must be visible.
    low, high = min(p.value for p in shown), max(p.value for p in shown)
    margin = (high - low) * 0.15 or abs(high) * 0.1 or 1.0
    low, high = low - margin, high + margin
    first = min(p.first_seen for p in shown)
    last = max(p.first_seen for p in shown)
    span = (last - first).total_seconds() or 1.0
    by_metric: dict[str, Series] = {}
    for p in sorted(shown, key=lambda p: (p.first_seen, p.cluster_id)):
        name = p.metric or "unlabelled"
        if name not in by_metric:
            if len(by_metric) >= MAX_SERIES:
                continue
            by_metric[name] = Series(name, len(by_metric))
        x = pad + (width - 2 * pad) * ((p.first_seen - first).total_seconds() / span if last > first else 0.5)
        y = pad + (height - 2 * pad) * (1 - (p.value - low) / (high - low))
        label = f"{p.period or 'no period'}: {p.value:,.6g} {unit or ''} on {p.first_seen:%Y-%m-%d}, {p.size} claims"
        by_metric[name].dots.append(Dot(round(x, 2), round(y, 2), label, p.cluster_id))
    return TimelineChart(width, height, unit, list(by_metric.values()), low, high, first, last)
