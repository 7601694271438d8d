"""Is a sentence a claim, how strong is it, and why: every point added to the score is named in `why`."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Quantity, _plain_number

# Topics that tie a big-tech or AI-lab sentence (Microsoft, DeepSeek) to the chip world; a share price or an
# earnings line of such a company alone is not an AI-chip claim.
CHIP_TOPICS = frozenset(
    {
        "capex_orders",
        "pricing",
        "inference",
        "training_cost",
        "export_controls",
        "custom_silicon",
        "supply_chain",
        "software_ecosystem",
        "power",
    }
)
# Below this a sentence is background, not a claim; at or above NOTABLE it is worth an alert: a named entity
# with a number and a move or a second number (about the top third of the claims on the evaluation set).
MIN_CLAIM_SCORE = 0.4
NOTABLE_SCORE = 0.7
# Questions, conditions and personal feelings assert less than statements do.
_NON_ASSERTIVE_FACTOR = 0.7
_HEDGE_FACTOR = 0.9


def is_relevant(
    kinds: list[str], domain: bool, strong_domain: bool, topics: list[str], inherited: bool, numbers: bool
) -> bool:
    """Is a sentence about the AI-chip world? `kinds` are its entities' kinds ("chip" / "context")."""
    chip_topic = any(t in CHIP_TOPICS for t in topics)
    return (
        "chip" in kinds
        or ("context" in kinds and (domain or chip_topic))
        or (strong_domain and (chip_topic or "market_move" in topics or numbers))
        # "a reasoning model can burn 10x more tokens": an everyday word (compute, chips) with an AI-chip
        # topic and a number is enough inside a document already about AI chips.
        or (domain and chip_topic and numbers)
        # An unnamed subject ("Shares rose 4%") inherits the entity in context; the sentence still needs a
        # business topic or a number of its own to be about that entity's business.
        or (inherited and (bool(topics) or numbers))
    )


@dataclass(slots=True)
class Evidence:
    """What the engine found in one candidate sentence, as judge() weighs it.

    `relevant` is is_relevant() of the sentence with its quantities as read; `names` and `kinds` the entities it
    names (in order, unique) and their kinds ("chip" / "context"); `inherited` the entity it refers to without
    naming it; `unnamed_subject` "同社の株価..." about the piece's own subject, a company the vocabulary does not
    list; `unlisted_subject` such a company named as the subject ("寒武纪三季度营收..."), weighing as a context
    entity; `subject_word` the pronoun or bare metric in subject position, as written; `assertion_cue` and
    `domain_cue` the first of their cues, or None; `non_assertive` a question, condition or opinion."""

    relevant: bool
    names: list[str]
    kinds: list[str]
    inherited: list[str]
    unnamed_subject: bool
    unlisted_subject: str
    subject_word: str
    quantities: list[Quantity]
    topics: list[str]
    stance_cues: list[str]
    assertion_cue: str | None
    domain_cue: str | None
    strong_domain: bool
    hedged: bool
    non_assertive: bool


@dataclass(slots=True)
class Verdict:
    """judge()'s answer: whether the sentence is a claim, its score, whether it is notable, and why."""

    is_claim: bool
    score: float
    notable: bool
    why: list[str]


def judge(e: Evidence) -> Verdict:
    """The verdict on one candidate sentence, from what the engine found in it (see Evidence)."""
    names, kinds, inherited, quantities, topics = e.names, e.kinds, e.inherited, e.quantities, e.topics
    stance_cues, assertion_cue, domain_cue = e.stance_cues, e.assertion_cue, e.domain_cue
    unnamed_subject, unlisted_subject, subject_word = e.unnamed_subject, e.unlisted_subject, e.subject_word
    checkable = bool(quantities) or assertion_cue is not None or bool(stance_cues)
    if not (e.relevant and checkable):
        return Verdict(False, 0.0, False, [])

    score = 0.0
    why: list[str] = []
    # Chip entities first, then the others, each group in the sentence's order.
    ordered: list[str] = []
    for i in range(len(names)):
        if kinds[i] == "chip":
            ordered.append(names[i])
    chip_first = bool(ordered)
    if len(ordered) < len(names):
        for i in range(len(names)):
            if kinds[i] != "chip":
                ordered.append(names[i])
    for i in range(min(3, len(ordered))):
        score += (0.3 if chip_first else 0.2) if i == 0 else 0.05
        why.append(f"entity {ordered[i]}")
    if not ordered:
        for name in inherited:
            score += 0.15
            why.append(f"entity {name} (from context)")
        if unlisted_subject and unnamed_subject:
            score += 0.15
            why.append(f"subject {unlisted_subject} (not a listed entity)")
        elif unnamed_subject and not inherited and subject_word:
            # "同社に対し...支援する" after an unlisted company was named (or with none named at all): the
            # company the piece is about, referred back to, counts as a subject from context does
            score += 0.15
            why.append(f"subject {subject_word} (not a listed entity)")
        if domain_cue is not None:
            score += 0.2 if e.strong_domain else 0.15
            why.append(f"cue {domain_cue}")
    for i in range(min(3, len(quantities))):
        q = quantities[i]
        score += 0.25 if i == 0 else 0.1
        why.append(f"quantity {_plain_number(q.value)} {q.unit}")
    for i in range(min(2, len(stance_cues))):
        score += 0.15 if i == 0 else 0.05
        why.append(f"cue {stance_cues[i]}")
    if assertion_cue is not None:
        score += 0.1
        why.append(f"cue {assertion_cue}")
    for i in range(min(3, len(topics))):
        score += 0.05
        why.append(f"topic {topics[i]}")
    # Hedged or non-assertive statements are still claims (the decision uses the score before these factors),
    # but weaker ones; `why` names only what raised the score.
    asserted = _round4(max(0.0, min(1.0, score)))
    figure = _company_figure(ordered or inherited, quantities, topics) or _company_event(ordered, stance_cues, topics)
    if not (e.hedged or e.non_assertive):
        return Verdict(asserted >= MIN_CLAIM_SCORE, asserted, figure or asserted >= NOTABLE_SCORE, why)
    if e.hedged:
        score *= _HEDGE_FACTOR
    if e.non_assertive:
        score *= _NON_ASSERTIVE_FACTOR
    score = _round4(max(0.0, min(1.0, score)))
    return Verdict(asserted >= MIN_CLAIM_SCORE, score, figure or score >= NOTABLE_SCORE, why)


def _company_figure(entities: list[str], quantities: list[Quantity], topics: list[str]) -> bool:
    """A listed company's own money or percentage figure on a business topic (revenue, a share move, capex, an
    export ban's cost): what an analyst wants to hear about even when the sentence says nothing more."""
    return (
        bool(entities) and any(q.unit in FIGURE_UNITS for q in quantities) and any(t in BUSINESS_TOPICS for t in topics)
    )


def _company_event(named: list[str], stance_cues: list[str], topics: list[str]) -> bool:
    """A named company's move on a business topic, with a direction and no figure needed: a rating change, a
    test passed, a stock jumping or an export licence required ("Micron rises after rating upgrade")."""
    return bool(named) and len(stance_cues) >= 2 and any(t in BUSINESS_TOPICS for t in topics)


# A company's own figures: money and percentages (not multiples or counts, which a passing remark also has).
FIGURE_UNITS = frozenset({"USD", "CNY", "JPY", "TWD", "KRW", "HKD", "EUR", "%", "pp"})
BUSINESS_TOPICS = frozenset(
    {"earnings", "market_move", "capex_orders", "export_controls", "valuation", "supply_chain", "pricing"}
)


# round(x, 4) goes through a correctly rounded decimal conversion, a measurable cost on every claim; scores are
# sums of a few fixed weights, so the same values recur and a small memo answers most (it stops growing at
# _ROUNDED_MAX).
_ROUNDED: dict[float, float] = {}
_ROUNDED_MAX = 4096


def _round4(x: float) -> float:
    """round(x, 4) for a score in [0, 1] (never -0.0: the clamp's max(0.0, ...) gives 0.0, which the memo's
    equal keys would otherwise mix up)."""
    r = _ROUNDED.get(x)
    if r is None:
        r = round(x, 4)
        if len(_ROUNDED) < _ROUNDED_MAX:
            _ROUNDED[x] = r
    return r
