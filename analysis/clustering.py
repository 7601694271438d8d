"""Which cluster a new claim joins, and which clusters it contradicts: the reference clusterer of issue 17.

Pure and incremental: the caller (storage, or bench/clusters.py) looks candidate clusters up by the new claim's
`lookup_keys()` (an index on entity + metric, and on event keys) and passes each candidate's representative
(`ClusterRep`: the fact, or the event, of the claim that started it). Nothing here needs the other members, so
a cluster is never re-clustered.

- A claim with figures (quantities with a fact_key, analysis/facts.py) joins a candidate whose representative
  fact has its entity and metric, a period that agrees (equal, or missing on one side), and the same value
  (same_value: rounding allowed); of several, the largest (ClusterRep.size), then the closest value. Its figures
  are tried headline first: levels before growth rates, the analysts' consensus last.
- A claim without any figure that names an event ("美国禁止英伟达向中国出售H20", "Nvidia unveils Rubin") joins a
  candidate with the same event key `<entity>|<event>`.
- Otherwise it starts a cluster, represented by its first figure (else its event).
- A claim whose figure has a period joining a cluster represented by the same figure without one returns the
  dated representative (`Placement.refined`) for the caller to store.
- Contradiction: the new claim's figure and a candidate's representative fact share entity, metric and
  period, have the same unit, and differ beyond the rounding tolerance; without a period, only for one-off
  amounts (not share moves, market values or prices, which move all the time). Analysts' consensus
  figures never contradict (estimates differ by nature). Which claims are close enough in time is the caller's
  window; this module does not look at dates.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .facts import FactKey, fact_key, same_value
from .facts_vocab import get_facts_vocabulary
from .vocabulary import get_vocabulary

# Metrics whose differing values are not a contradiction.
_NEVER_CONTRADICT = frozenset({"consensus"})
# Figures that move all the time: without a period two values are two moments.
_MOVING = frozenset({"share_price_move", "market_value", "chip_price", "market_share"})


@dataclass(frozen=True, slots=True)
class Fact:
    """One figure of a claim, with its key."""

    key: FactKey
    value: float
    unit: str
    text: str
    value_max: float | None = None


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """What the clusterer reads of a claim: its figures (in sentence order) and its event key."""

    facts: tuple[Fact, ...]
    event: str | None
    stance: str = "neutral"

    def representative(self) -> ClusterRep:
        """The representative a cluster started by this claim gets (cluster_id filled in by the caller)."""
        return ClusterRep(cluster_id=None, fact=self.facts[0] if self.facts else None, event=self.event)


@dataclass(frozen=True, slots=True)
class ClusterRep:
    """A candidate cluster as the clusterer sees it: its id and the fact or event of the claim that started it."""

    cluster_id: Hashable
    fact: Fact | None = None
    event: str | None = None
    size: int = 1  # claims in the cluster: of two clusters a rounded figure fits, it joins the larger


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a claim goes: `cluster_id` of the cluster it joins, or None to start one; the clusters it
    contradicts (ids of candidates)."""

    cluster_id: Hashable | None
    contradicts: tuple[Hashable, ...] = field(default_factory=tuple)
    # When the claim joins a cluster whose representative fact has no period and its own fact has one: the
    # representative to store instead (the same fact, dated), so later claims can contradict it.
    refined: ClusterRep | None = None


def _field(claim: Any, name: str) -> Any:
    if isinstance(claim, Mapping):
        return claim.get(name)
    return getattr(claim, name, None)


def claim_facts(claim: Any) -> ClaimFacts:
    """The figures and event of a claim: a model.Claim, or its JSON object (`analyze --json`, stored claims)."""
    facts = []
    for q in _field(claim, "quantities") or ():
        key = fact_key(q)
        if key is None:
            continue
        value_max = _field(q, "value_max")
        facts.append(
            Fact(
                key=key,
                value=float(_field(q, "value")),
                unit=str(_field(q, "unit")),
                text=str(_field(q, "text") or ""),
                value_max=None if value_max is None else float(value_max),
            )
        )
    # The headline figure first: a level before its growth rate ("前年同期比56%増の467億ドル" is about 467億ドル),
    # the analysts' consensus last.
    facts.sort(key=lambda f: (f.key.metric == "consensus", f.key.metric.endswith("_growth")))
    event = None if facts else event_key(str(_field(claim, "text") or ""), list(_field(claim, "entities") or ()))
    return ClaimFacts(facts=tuple(facts), event=event, stance=str(_field(claim, "stance") or "neutral"))


def event_key(text: str, entities: Sequence[str]) -> str | None:
    """`<company>|<event>` for a sentence naming an entity and an event word; the event listed first in
    vocab/facts.yaml wins. A product stands for its maker (H20 -> NVIDIA)."""
    if not entities:
        return None
    vocab = get_facts_vocabulary()
    found = {r.value for h in vocab.events.scan(text) for r in h.roles}
    if not found:
        return None
    event = next(e for e in vocab.event_order if e in found)
    parents = get_vocabulary().entity_parent
    return f"{parents.get(entities[0], entities[0])}|{event}"


def lookup_keys(facts: ClaimFacts) -> list[tuple[str, ...]]:
    """The index keys to look candidates up by: (entity, metric) per figure, (event key,) for an event."""
    keys: list[tuple[str, ...]] = [(f.key.entity, f.key.metric) for f in facts.facts]
    if facts.event:
        keys.append((facts.event,))
    return list(dict.fromkeys(keys))


def rep_lookup_key(rep: ClusterRep) -> tuple[str, ...] | None:
    """The index key a cluster is found under (the same shapes as lookup_keys)."""
    if rep.fact is not None:
        return (rep.fact.key.entity, rep.fact.key.metric)
    if rep.event:
        return (rep.event,)
    return None


def _periods_agree(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def joins(fact: Fact, rep: Fact) -> bool:
    """Does `fact` state the fact `rep` stands for?"""
    return (
        fact.key.entity == rep.key.entity
        and fact.key.metric == rep.key.metric
        and _periods_agree(fact.key.period, rep.key.period)
        and same_value(fact, rep)
    )


def contradicts(fact: Fact, rep: Fact) -> bool:
    """Same entity, metric, period and unit, values beyond rounding apart. Without a period only one-off amounts
    (a charge, a market value lost that day) can contradict, within the caller's window: a share price, a market
    value or a price moves all the time, so two undated figures of it are two moments, not a disagreement."""
    return (
        fact.key == rep.key
        and (fact.key.period is not None or fact.key.metric not in _MOVING)
        and fact.key.metric not in _NEVER_CONTRADICT
        and fact.unit == rep.unit
        and not same_value(fact, rep)
    )


def place(new: ClaimFacts, candidates: Iterable[ClusterRep]) -> Placement:
    """The cluster a claim joins (None: it starts one) and the candidates it contradicts."""
    reps = list(candidates)
    joined: Hashable | None = None
    refined: ClusterRep | None = None
    for fact in new.facts:
        matching = [rep for rep in reps if rep.fact is not None and joins(fact, rep.fact)]
        if matching:
            # the larger cluster, then the closer value (a rounded "nearly $600 billion" fits several tallies)
            best = max(matching, key=lambda r: (r.size, -abs(fact.value - r.fact.value)))  # type: ignore[union-attr]
            joined = best.cluster_id
            assert best.fact is not None
            if best.fact.key.period is None and fact.key.period is not None:
                refined = ClusterRep(cluster_id=best.cluster_id, fact=fact, event=best.event, size=best.size)
            break
    if joined is None and not new.facts and new.event:
        joined = next((rep.cluster_id for rep in reps if rep.fact is None and rep.event == new.event), None)
    contradicted: list[Hashable] = []
    if new.facts:
        first = new.facts[0]
        for rep in reps:
            if rep.cluster_id != joined and rep.fact is not None and contradicts(first, rep.fact):
                contradicted.append(rep.cluster_id)
    return Placement(cluster_id=joined, contradicts=tuple(dict.fromkeys(contradicted)), refined=refined)
