"""Which claims a rule fires on: entities, topics, stance, language, source, score and quantity conditions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chipwatch.config import AlertRule, AlertSettings, QuantityCondition


@dataclass(frozen=True)
class ClaimFacts:
    """What rules and messages need to know about a claim, detached from the database session."""

    id: int
    fingerprint: str
    text: str
    language: str | None
    entities: list[str]
    topics: list[str]
    stance: str
    quantities: list[dict[str, Any]]
    score: float
    why: list[str]
    source: str
    article_url: str
    article_title: str | None
    article_id: int | None = None  # for the dashboard link; None for a claim not stored


def rule_named(alerts: AlertSettings, name: str) -> AlertRule | None:
    """The configured rule of that name (an outbox row names its rule; the rule may since have been removed)."""
    return next((r for r in alerts.rules if r.name == name), None)


@lru_cache(maxsize=4096)
def _fold(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)


def _folded(values: list[str]) -> frozenset[str]:
    return _fold(tuple(values))


def rule_matches(rule: AlertRule, claim: ClaimFacts) -> bool:
    """Every condition the rule sets must hold; within one list (entities, topics, ...) any item will do.
    Names compare case-insensitively: configs say `Nvidia` as often as `NVIDIA`."""
    if rule.health:  # `sources: health`: this rule carries source health alerts, never claims
        return False
    if claim.score < rule.min_score:
        return False
    if rule.entities and not _folded(rule.entities) & _folded(claim.entities):
        return False
    if rule.topics and not _folded(rule.topics) & _folded(claim.topics):
        return False
    if rule.stance and claim.stance not in rule.stance:
        return False
    if rule.languages and (claim.language or "").casefold() not in _folded(rule.languages):
        return False
    if rule.sources and claim.source.casefold() not in _folded(rule.sources):
        return False
    return all(_quantity_holds(cond, claim) for cond in rule.quantities)


def _quantity_holds(cond: QuantityCondition, claim: ClaimFacts) -> bool:
    """True when one of the claim's quantities in the condition's unit lies within its bounds."""
    for q in claim.quantities:
        if str(q.get("unit", "")).casefold() != cond.unit.casefold():
            continue
        value = float(q["value"])
        if cond.signed and claim.stance == "bearish":
            value = -abs(value)
        if cond.gte is not None and value < cond.gte:
            continue
        if cond.lte is not None and value > cond.lte:
            continue
        return True
    return False
