"""Stance of a sentence toward its main entity: bullish, bearish or neutral, with negation and hedging.

Cue polarity is summed. A negator just before a cue (zh/en: 并非看空, "not a sell signal") or just after it
(ja: 売りではない) flips that cue. Cues after a contrast marker (但, however) weigh double, because the
writer's point follows the "but"; cues in the last clause weigh a half more, because Chinese and Japanese
commentary puts its conclusion at the end. Hedges (可能, may) do not change the direction; they lower
the score.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .lexicon import Hit

# How far a negator may sit from the cue it negates, in characters (about three English words, or a
# short Chinese adverb phrase such as 并非完全).
_NEGATION_WINDOW = 12
# Negation does not cross a clause boundary: in "不是泡沫，而是暴跌" the 不 does not negate 暴跌.
_CLAUSE_BREAK = re.compile(r"[，,。;；:：!?！？、]")
_LAST_CLAUSE = re.compile(r"[，,、;；:：]")
_CONTRAST_WEIGHT = 2.0
# A stance word the writer explicitly negates (并非看空, "not a sell signal") is their own verdict: it
# outweighs an event word of the other polarity in the same sentence (出口管制并非看空英伟达的理由: bullish).
_NEGATED_WEIGHT = 1.5
_LAST_CLAUSE_WEIGHT = 1.5
_OTHER_ENTITY_WEIGHT = 0.5
# An entity named as the yardstick of a comparison ("跟台积电代工的产品比还是差一大截", "compared with NVIDIA",
# "TSMCと比べ") is not what its clause is about: the clause still speaks of the sentence's main entity.
_YARDSTICK_BEFORE = re.compile(
    r"(?:跟|与|與|比|较|較|相比于|相较于|compared (?:with|to)|versus|vs\.?|than)\s?$", re.IGNORECASE
)
_YARDSTICK_AFTER = ("と比べ", "と比較", "に比べ", "より")


# Every hit kind the first loop of stance_of() reads.
_STANCE_KINDS = frozenset({"hedges", "bullish", "bearish", "negators_before", "negators_after", "contrast"})


@dataclass
class StanceResult:
    stance: str
    cues: list[str] = field(default_factory=list)  # every stance cue found, negated ones marked
    hedged: bool = False


def stance_of(
    hits: list[Hit],
    text: str,
    start: int,
    end: int,
    directional: re.Pattern[str] | None = None,
    hints: tuple[str, ...] = (),
    original: str | None = None,
) -> StanceResult:
    """`hits` are the sentence's lexicon hits (document offsets); `text` the normalised document, `original`
    the document as written (same offsets), which directional cues are quoted from ("5。8%高", not "5.8%高")."""
    stance, cues, hedged = stance_parts(hits, text, start, end, directional, hints, original)
    return StanceResult(stance, cues, hedged)


def stance_parts(
    hits: list[Hit],
    text: str,
    start: int,
    end: int,
    directional: re.Pattern[str] | None = None,
    hints: tuple[str, ...] = (),
    original: str | None = None,
) -> tuple[str, list[str], bool]:
    """stance_of() as (stance, cues, hedged), without the record: the engine asks once per candidate sentence."""
    # One pass sorts the hits into what the rules below need.
    hedged = False
    cues: list[tuple[Hit, int]] = []
    negators_before: list[Hit] = []
    negators_after: list[Hit] = []
    contrast_at = -1
    for hit in hits:
        kinds = hit.kinds
        if kinds.isdisjoint(_STANCE_KINDS):
            continue  # most hits are entities and topic words: one set test instead of five
        if "hedges" in kinds:
            hedged = True
        # A term that is both bullish and bearish (a vocabulary slip) cancels out.
        sign = ("bullish" in kinds) - ("bearish" in kinds)
        if sign:
            cues.append((hit, sign))
        if "negators_before" in kinds:
            negators_before.append(hit)
        elif "negators_after" in kinds:
            negators_after.append(hit)
        elif "contrast" in kinds:
            contrast_at = hit.start
    signed: list[tuple[int, float, str]] = []  # (position, sign, label)
    if directional is not None:
        for m in _directional_matches(directional, hints, text, start, end):
            sign = 1 if (m.lastgroup or "").startswith("bull") else -1
            signed.append((m.start(), sign, (original or text)[m.start() : m.end()].strip()))
    if not cues and not signed:
        return "neutral", [], hedged
    for hit, sign in cues:
        negated = (negators_before or negators_after) and _negated(hit, negators_before, negators_after, text)
        label = f"{hit.text} (negated)" if negated else hit.text
        signed.append((hit.start, -sign * _NEGATED_WEIGHT if negated else sign, label))
    labels = [label for _pos, _sign, label in sorted(signed)]
    up = signed[0][1] > 0
    for _pos, polarity, _label in signed:  # polarity: a float here, unlike the int `sign` of the cues
        if (polarity > 0) is not up:
            break
    else:
        # Every cue points the same way: the weights below (all positive) cannot change the direction.
        return "bullish" if up else "bearish", labels, hedged
    bounds = _clause_bounds(text, start, end)
    last_clause = bounds[-1]
    others = _clauses_about_others(hits, bounds, text)
    total = 0.0
    for pos, polarity, _label in signed:
        weight = _CONTRAST_WEIGHT if 0 <= contrast_at < pos else 1.0
        clause = bisect.bisect_right(bounds, pos) - 1
        if clause in others:
            # "三星股价上涨4.2%,SK海力士则下跌1.8%": a clause about another company says little about the
            # sentence's main entity.
            weight *= _OTHER_ENTITY_WEIGHT
        elif pos >= last_clause:
            weight *= _LAST_CLAUSE_WEIGHT
        total += polarity * weight
    stance = "bullish" if total > 0 else "bearish" if total < 0 else "neutral"
    return stance, labels, hedged


# How far around a hint ("%", "up ") a directional pattern may reach: "39.6 %増", "up more than $1".
_HINT_BEFORE, _HINT_AFTER = 12, 32


def _directional_matches(
    directional: re.Pattern[str], hints: tuple[str, ...], text: str, start: int, end: int
) -> list[re.Match[str]]:
    """Directional-number matches, searched only in small windows around the hints (the whole sentence
    when there are no hints): the alternation has no common first character and is slow to slide."""
    if not hints:
        return list(directional.finditer(text, start, end))
    if _any_hint(hints).search(text, start, end) is None:
        return []  # the common case, found by one search instead of one per hint
    found: dict[int, re.Match[str]] = {}
    for hint in hints:
        i = text.find(hint, start, end)  # (offsets in the document: no copy of the sentence needed)
        while i >= 0:
            lo, hi = max(start, i - _HINT_BEFORE), min(end, i + len(hint) + _HINT_AFTER)
            for m in directional.finditer(text, lo, hi):
                found.setdefault(m.start(), m)
            i = text.find(hint, i + 1, end)
    return [found[k] for k in sorted(found)]


# (hints, one pattern matching any of them) for the hints last used: the vocabulary passes the same tuple.
_hint_pattern_for: tuple[tuple[str, ...], re.Pattern[str]] | None = None


def _any_hint(hints: tuple[str, ...]) -> re.Pattern[str]:
    global _hint_pattern_for
    cached = _hint_pattern_for
    if cached is None or (cached[0] is not hints and cached[0] != hints):
        cached = _hint_pattern_for = (hints, re.compile("|".join(re.escape(h) for h in hints)))
    return cached[1]


def _clause_bounds(text: str, start: int, end: int) -> list[int]:
    """Start offsets of the sentence's clauses (the final punctuation of the sentence opens none)."""
    bounds = [start]
    for m in _LAST_CLAUSE.finditer(text, start, max(start, end - 1)):
        bounds.append(m.end())
    return bounds


def _clauses_about_others(hits: list[Hit], bounds: list[int], text: str) -> set[int]:
    """Indexes of clauses that name entities, none of them the sentence's first (main) entity; an entity
    named only as a comparison's yardstick does not count."""
    main = ""
    named: dict[int, set[str]] = {}
    for hit in hits:
        if "entity" not in hit.kinds:
            continue
        name = hit.entity
        main = main or name
        if name != main and (
            _YARDSTICK_BEFORE.search(text, max(0, hit.start - 16), hit.start)
            or text.startswith(_YARDSTICK_AFTER, hit.end)
        ):
            continue
        named.setdefault(bisect.bisect_right(bounds, hit.start) - 1, set()).add(name)
    return {clause for clause, names in named.items() if main not in names}


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
