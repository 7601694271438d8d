"""Stance of a sentence toward its main entity: bullish, bearish or neutral, with negation and hedging.

Cue polarity is summed. A negator just before a cue (zh/en: 并非看空, "not a sell signal") or just after it
(ja: 売りではない) flips that cue. Cues after a contrast marker (但, however) weigh double, because the
writer's point follows the "but". Hedges (可能, may) do not change the direction; they lower the score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import Hit

# How far a negator may sit from the cue it negates, in characters (about three English words, or a
# short Chinese adverb phrase such as 并非完全).
_NEGATION_WINDOW = 12
# Negation does not cross a clause boundary: in "不是泡沫，而是暴跌" the 不 does not negate 暴跌.
_CLAUSE_BREAK = re.compile(r"[，,。;；:：!?！？、]")


@dataclass
class StanceResult:
    stance: str
    cues: list[str] = field(default_factory=list)  # cues that decided the stance, negated ones marked
    hedged: bool = False


def stance_of(hits: list[Hit], text: str, offset: int) -> StanceResult:
    """`hits` are the sentence's lexicon hits (document offsets); `text` the normalised document."""
    if not any("bullish" in h.kinds or "bearish" in h.kinds for h in hits):
        return StanceResult("neutral", [], any("hedges" in h.kinds for h in hits))
    negators_before = [h for h in hits if _has(h, "negators_before")]
    negators_after = [h for h in hits if _has(h, "negators_after")]
    contrast_at = max((h.start for h in hits if _has(h, "contrast")), default=-1)
    hedged = any(_has(h, "hedges") for h in hits)
    total = 0.0
    cues: list[str] = []
    for hit in hits:
        sign = 1 if _has(hit, "bullish") else -1 if _has(hit, "bearish") else 0
        if not sign:
            continue
        negated = _negated(hit, negators_before, negators_after, text)
        if negated:
            sign = -sign
        weight = 2.0 if contrast_at >= 0 and hit.start > contrast_at else 1.0
        total += sign * weight
        cues.append(f"{hit.text} (negated)" if negated else hit.text)
    stance = "bullish" if total > 0 else "bearish" if total < 0 else "neutral"
    return StanceResult(stance, cues if stance != "neutral" else [], hedged)


def _has(hit: Hit, kind: str) -> bool:
    return kind in hit.kinds


def _negated(cue: Hit, before: list[Hit], after: list[Hit], text: str) -> bool:
    for neg in before:
        near = neg.end <= cue.start and cue.start - neg.end <= _NEGATION_WINDOW
        if near and not _CLAUSE_BREAK.search(text, neg.end, cue.start):
            return True
    for neg in after:
        near = neg.start >= cue.end and neg.start - cue.end <= _NEGATION_WINDOW
        if near and not _CLAUSE_BREAK.search(text, cue.end, neg.start):
            return True
    return False
