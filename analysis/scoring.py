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
    }
)
# Below this a sentence is background, not a claim; at or above NOTABLE it is worth an alert.
MIN_CLAIM_SCORE = 0.45
NOTABLE_SCORE = 0.6


@dataclass
class Features:
    entities: list[tuple[str, str]]  # (canonical, kind) in order of appearance, unique
    quantities: list[Quantity]
    topics: list[str]
    stance_cues: list[str]
    assertion_cues: list[str]
    domain_cues: list[str]  # (strong ones first)
    strong_domain: bool
    hedged: bool


@dataclass
class Verdict:
    is_claim: bool
    score: float
    notable: bool
    why: list[str] = field(default_factory=list)


def judge(f: Features) -> Verdict:
    chip = [name for name, kind in f.entities if kind == "chip"]
    context = [name for name, kind in f.entities if kind != "chip"]
    relevant = (
        bool(chip)
        or (bool(context) and (bool(f.domain_cues) or any(t in CHIP_TOPICS for t in f.topics)))
        or (f.strong_domain and any(t in CHIP_TOPICS or t == "market_move" for t in f.topics))
    )
    checkable = bool(f.quantities or f.assertion_cues or f.stance_cues)
    if not (relevant and checkable):
        return Verdict(False, 0.0, False)

    score = 0.0
    why: list[str] = []
    names = chip + context
    for i, name in enumerate(names[:3]):
        if i == 0:
            score += 0.3 if name in chip else 0.2
        else:
            score += 0.05
        why.append(f"entity {name}")
    if not names and f.domain_cues:
        score += 0.2
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
    if f.hedged:
        # A hedged statement ("may", 可能) is still a claim, but a weaker one; not listed in `why`,
        # which names only what raised the score.
        score *= 0.85
    score = max(0.0, min(1.0, score))
    return Verdict(score >= MIN_CLAIM_SCORE, round(score, 4), score >= NOTABLE_SCORE, why)
