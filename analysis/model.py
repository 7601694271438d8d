"""Value types the claim engine returns; the JSON shape is fixed by INTERFACES.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


# Quantity and Claim are plain slotted records, not frozen ones: a frozen dataclass sets each field through
# object.__setattr__, which made building them 2.5x slower, and the engine builds dozens per article.
@dataclass(slots=True)
class Quantity:
    """A number as written (`text`) and normalised (`value` in whole units; `unit` ISO code, %, x or noun)."""

    value: float
    unit: str
    text: str
    value_max: float | None = None
    # What the number measures, for which period, and whose figure it is (analysis/metrics.py): set after the
    # claims are chosen, None when the sentence does not say. Vocabulary in vocab/facts.yaml.
    metric: str | None = None
    period: str | None = None  # FY2026Q2, 2025Q4, 2025, FY2026
    entity: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": _plain_number(self.value), "unit": self.unit, "text": self.text}
        if self.value_max is not None:
            out["value_max"] = _plain_number(self.value_max)
        if self.metric is not None:
            out["metric"] = self.metric
        if self.period is not None:
            out["period"] = self.period
        if self.entity is not None:
            out["entity"] = self.entity
        return out


@dataclass(slots=True)
class Claim:
    """One checkable sentence about the AI-chip world, with the reasons it was kept."""

    text: str
    entities: list[str]
    topics: list[str]
    stance: str  # bullish | bearish | neutral
    quantities: list[Quantity]
    score: float
    notable: bool
    why: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "entities": list(self.entities),
            "topics": list(self.topics),
            "stance": self.stance,
            "quantities": [q.to_json() for q in self.quantities],
            "score": round(self.score, 4),
            "notable": self.notable,
            "why": list(self.why),
        }


@dataclass(frozen=True)
class DocumentAnalysis:
    """What the engine found in one document."""

    language: str
    title: str | None
    entities: list[str]
    claims: list[Claim]

    def to_json(self, source: str) -> dict[str, Any]:
        return {
            "source": source,
            "language": self.language,
            "title": self.title,
            "entities": list(self.entities),
            "claims": [c.to_json() for c in self.claims],
        }


def _plain_number(value: float) -> int | float:
    """600000000000.0 prints as 600000000000, 0.0222 stays a float."""
    if float(value).is_integer() and abs(value) < 2**63:
        return int(value)
    return value
