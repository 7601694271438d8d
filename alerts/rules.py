"""Which claims a rule fires on."""

from __future__ import annotations

from chipwatch.settings import AlertRule


def rule_matches(rule: AlertRule, *, score: float, entities: list[str]) -> bool:
    """A rule fires when the claim scores at least `min_score` and, if the rule lists entities,
    names at least one of them (compared case-insensitively: configs say `Nvidia` too)."""
    if score < rule.min_score:
        return False
    if not rule.entities:
        return True
    wanted = {e.casefold() for e in rule.entities}
    return any(e.casefold() in wanted for e in entities)
