"""How a stored claim maps to the keys clustering works with: the one place that knows it.

A claim with a number states a fact: (entity, metric, period, unit, value), read from its first quantity. The
claim engine adds `metric`, `period` and `entity` per quantity (issue 17, item 1); a claim stored before that,
or a quantity the engine could not label, falls back to the claim's first entity with no metric and no period.
A claim without a number is an event: (entity, topic). Units are compared as written: USD and CNY amounts are
never the same fact (no currency conversion).

The claim's headline figure is the one the engine labelled (`analysis.facts.fact_key`), a level before its
growth rate and the analysts' consensus last, as `analysis.clustering` orders them; callers only see
`cluster_key`, `same_value` and `search_bounds`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chipwatch.analysis.facts import fact_key

# Two values are the same fact when they differ by at most this share of the larger one (46.7 vs 46.74) ...
SAME_RELATIVE = 0.005
# ... or by at most this share when the more precise one, rounded to the other's significant digits, equals it
# (USD 47 billion vs 46.7 billion): rounding in the text, not a different figure.
ROUNDED_RELATIVE = 0.02
NO_ENTITY = "(none)"
_SEP = "\x1f"  # joins key parts: a character no entity, metric or topic contains


@dataclass(frozen=True)
class ClusterKey:
    """What a claim is about, for clustering. `slot` groups the candidates: the value picks among them."""

    kind: str  # fact | event
    entity: str
    metric: str | None = None
    period: str | None = None
    unit: str | None = None
    value: float | None = None
    topic: str | None = None

    @property
    def slot(self) -> str:
        """Every cluster a claim with this key could join shares this string (indexed with the value)."""
        if self.kind == "fact":
            parts = ["fact", self.entity, self.metric or "", self.period or "", self.unit or ""]
        else:
            parts = ["event", self.entity, self.topic or ""]
        return _SEP.join(parts)[:400]

    @property
    def comparable(self) -> bool:
        """Whether differing values in this slot contradict each other: only a named metric in a named period
        (NVIDIA's Q2 FY2026 revenue), never two unlabelled percentages about the same company."""
        return self.kind == "fact" and bool(self.metric) and bool(self.period)


def cluster_key(entities: Sequence[str], topics: Sequence[str], quantities: Sequence[dict[str, Any]]) -> ClusterKey:
    """The key of a stored claim (its `entities`, `topics` and `quantities` JSON as stored)."""
    first_entity = str(entities[0]) if entities else NO_ENTITY
    for q in _headline_first(quantities or []):
        value = _number(q.get("value"))
        if value is None:
            continue
        return ClusterKey(
            kind="fact",
            entity=str(q.get("entity") or first_entity)[:100],
            metric=_text(q.get("metric"), 40),
            period=_text(q.get("period"), 20),
            unit=_text(q.get("unit"), 40),
            value=value,
        )
    return ClusterKey(kind="event", entity=first_entity[:100], topic=str(topics[0])[:100] if topics else None)


def _headline_first(quantities: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Labelled figures first (a level, then growth rates, then consensus), then the unlabelled ones."""

    def rank(q: dict[str, Any]) -> tuple[int, bool, bool]:
        key = fact_key(q)
        if key is None:
            return (1, False, False)
        return (0, key.metric == "consensus", key.metric.endswith("_growth"))

    return sorted(quantities, key=rank)


def same_value(a: float, b: float) -> bool:
    """Whether two values of one unit state the same figure, allowing for rounding in the text."""
    if a == b:
        return True
    if (a < 0) != (b < 0):
        return False
    gap = abs(a - b)
    top = max(abs(a), abs(b))
    if gap <= SAME_RELATIVE * top:
        return True
    if gap > ROUNDED_RELATIVE * top:
        return False
    coarse, fine = (a, b) if _significant_digits(a) <= _significant_digits(b) else (b, a)
    digits = _significant_digits(coarse)
    # One significant digit ("$100 billion", "3%") says too little about precision to absorb a 2% gap.
    return digits >= 2 and _round_significant(fine, digits) == coarse


def search_bounds(value: float) -> tuple[float, float]:
    """A range that holds every value `same_value` could accept: the index lookup's BETWEEN."""
    span = abs(value) * ROUNDED_RELATIVE * 1.01
    return value - span, value + span


def _significant_digits(value: float) -> int:
    """Digits as written: 46700000000 -> 3, 46.74 -> 4, 0.0222 -> 3."""
    digits = f"{abs(value):.12g}".replace(".", "").lstrip("0")
    if "e" in digits:
        digits = digits.split("e")[0]
    return max(len(digits.rstrip("0")), 1)


def _round_significant(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    exponent = math.floor(math.log10(abs(value)))
    return round(value, digits - 1 - exponent)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if value not in (None, "") else None
