"""Is a sentence a claim, how strong is it, and why: every point added to the score is named in `why`."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class Features:
    entities: list[tuple[str, str]]  # (canonical, kind) named in the sentence, in order, unique
    quantities: list[Quantity]
    topics: list[str]
    stance_cues: list[str]
    assertion_cues: list[str]
    domain_cues: list[str]
    strong_domain: bool
    hedged: bool
    inherited: list[str] = field(default_factory=list)  # entity the sentence refers to without naming it
    # "同社の株価..." where the company is one the vocabulary does not list: about the piece's own subject
    unnamed_subject: bool = False
    # the unlisted company the sentence names as its subject ("寒武纪三季度营收..."): weighs as a context entity
    unlisted_subject: str = ""
    subject_word: str = ""  # the pronoun or bare metric in subject position, as written
    non_assertive: list[str] = field(default_factory=list)  # question / conditional / opinion


@dataclass
class Verdict:
    is_claim: bool
    score: float
    notable: bool
    why: list[str] = field(default_factory=list)


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
        # business topic of its own to be about that entity's business.
        or (inherited and bool(topics))
    )


def judge(f: Features) -> Verdict:
    chip = [name for name, kind in f.entities if kind == "chip"]
    context = [name for name, kind in f.entities if kind != "chip"]
    relevant = is_relevant(
        [kind for _, kind in f.entities],
        bool(f.domain_cues),
        f.strong_domain,
        f.topics,
        bool(f.inherited) or f.unnamed_subject,
        bool(f.quantities),
    )
    checkable = bool(f.quantities or f.assertion_cues or f.stance_cues)
    if not (relevant and checkable):
        return Verdict(False, 0.0, False)

    score = 0.0
    why: list[str] = []
    names = chip + context
    for i, name in enumerate(names[:3]):
        score += (0.3 if name in chip else 0.2) if i == 0 else 0.05
        why.append(f"entity {name}")
    if not names:
        for name in f.inherited:
            score += 0.15
            why.append(f"entity {name} (from context)")
        if f.unlisted_subject and f.unnamed_subject:
            score += 0.15
            why.append(f"subject {f.unlisted_subject} (not a listed entity)")
        elif f.unnamed_subject and not f.inherited and f.subject_word:
            # "同社に対し...支援する" after an unlisted company was named (or with none named at all): the
            # company the piece is about, referred back to, counts as a subject from context does
            score += 0.15
            why.append(f"subject {f.subject_word} (not a listed entity)")
        if f.domain_cues:
            score += 0.2 if f.strong_domain else 0.15
            why.append(f"cue {f.domain_cues[0]}")
    for i, q in enumerate(f.quantities[:3]):
        score += 0.25 if i == 0 else 0.1
        why.append(f"quantity {_plain_number(q.value)} {q.unit}")
    for i, cue in enumerate(f.stance_cues[:2]):
        score += 0.15 if i == 0 else 0.05
        why.append(f"cue {cue}")
    if f.assertion_cues:
        score += 0.1
        why.append(f"cue {f.assertion_cues[0]}")
    for topic in f.topics[:3]:
        score += 0.05
        why.append(f"topic {topic}")
    # Hedged or non-assertive statements are still claims (the decision uses the score before these factors),
    # but weaker ones; `why` names only what raised the score.
    asserted = round(max(0.0, min(1.0, score)), 4)
    if f.hedged:
        score *= _HEDGE_FACTOR
    if f.non_assertive:
        score *= _NON_ASSERTIVE_FACTOR
    score = round(max(0.0, min(1.0, score)), 4)
    return Verdict(asserted >= MIN_CLAIM_SCORE, score, score >= NOTABLE_SCORE, why)
