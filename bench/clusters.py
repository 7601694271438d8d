"""Claim clustering on real text: B-cubed precision/recall of the clusters and contradiction precision/recall.

Run `python bench/clusters.py [--details]`. The labelled set is tests/analysis/eval/clusters/ (excerpts of real
public pages in zh, ja and en, each with its address and date; labels.yaml gives per claim the cluster it belongs
to, and the contradicting cluster pairs). The engine analyses every document (with its date, for periods written
without a year); every claim it finds is placed, in publication order, by the reference clusterer
(analysis/clustering.py) the way storage would: candidates are looked up by (entity, metric) or event key, and a
figure without a period, or an event, only meets clusters first seen within WINDOW_DAYS of their latest claim.

Scored are the labelled claims the engine finds (a labelled sentence the engine does not make a claim is counted
as missed and printed, not scored: claim recall is bench/eval.py's business). B-cubed per claim: precision = the
share of its predicted cluster (among scored claims) that shares its label, recall = the share of its labelled
cluster (among scored claims) that is in its predicted cluster; both averaged over claims. A predicted
contradiction (two predicted clusters) counts as its clusters' majority labels; it is right when that label pair is
listed in labels.yaml.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from chipwatch.analysis.clustering import ClusterRep, claim_facts, lookup_keys, place, rep_lookup_key
from chipwatch.analysis.engine import analyze
from chipwatch.analysis.model import Claim

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "tests" / "analysis" / "eval" / "clusters"
# A figure with no period (a share move, a market value lost) or an event without a figure is the same fact only
# within a few days: the storage layer uses a window like this one.
WINDOW_DAYS = 3


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class _Cluster:
    rep: ClusterRep
    first_seen: dt.date
    last_seen: dt.date | None = None
    members: list[int] = field(default_factory=list)


@dataclass
class Result:
    precision: float
    recall: float
    contradiction_precision: float
    contradiction_recall: float
    labelled: int
    scored: int
    predicted_contradictions: list[tuple[str, str]]
    missed: list[tuple[str, str]]
    details: list[str]

    def metrics(self) -> dict[str, float]:
        return {
            "bcubed_precision": round(self.precision, 4),
            "bcubed_recall": round(self.recall, 4),
            "contradiction_precision": round(self.contradiction_precision, 4),
            "contradiction_recall": round(self.contradiction_recall, 4),
            "labelled_claims": self.labelled,
            "scored_claims": self.scored,
        }


def load_labels(root: Path = SET) -> dict:
    return yaml.safe_load((root / "labels.yaml").read_text(encoding="utf-8"))


def _in_window(cluster: _Cluster, day: dt.date, needs_window: bool) -> bool:
    """A story runs over a few days: the window counts from the cluster's latest claim."""
    return not needs_window or abs((day - (cluster.last_seen or cluster.first_seen)).days) <= WINDOW_DAYS


def evaluate(root: Path = SET) -> Result:
    labels = load_labels(root)
    docs = sorted(labels["documents"].items(), key=lambda kv: (str(kv[1]["published"]), kv[0]))
    claims: list[tuple[str, Claim, dt.date]] = []
    gold: dict[int, str] = {}
    missed: list[tuple[str, str]] = []
    for name, spec in docs:
        text = (root / "docs" / f"{name}.txt").read_text(encoding="utf-8")
        published = dt.date.fromisoformat(str(spec["published"]))
        found = analyze(text, published=published).claims
        base = len(claims)
        claims.extend((name, c, published) for c in found)
        squashed = [_squash(c.text) for c in found]
        for label in spec["claims"]:
            key = _squash(label["key"])
            hit = next((i for i, s in enumerate(squashed) if key in s and base + i not in gold), None)
            if hit is None:
                missed.append((name, label["key"]))
            else:
                gold[base + hit] = label["cluster"]

    clusters: dict[Hashable, _Cluster] = {}
    index: dict[tuple[str, ...], list[Hashable]] = defaultdict(list)
    predicted: dict[int, Hashable] = {}
    contradiction_pairs: set[frozenset[Hashable]] = set()
    for i, (_, claim, day) in enumerate(claims):
        facts = claim_facts(claim)
        needs_window = not facts.facts or facts.facts[0].key.period is None
        candidates = []
        for key in lookup_keys(facts):
            for cid in index.get(key, ()):
                if _in_window(clusters[cid], day, needs_window):
                    candidates.append(clusters[cid].rep)
        placement = place(facts, candidates)
        cid = placement.cluster_id
        if cid is None:
            cid = len(clusters)
            rep = dataclasses.replace(facts.representative(), cluster_id=cid)
            clusters[cid] = _Cluster(rep=rep, first_seen=day)
            key = rep_lookup_key(rep)
            if key is not None:
                index[key].append(cid)
        elif placement.refined is not None:
            clusters[cid].rep = placement.refined
        clusters[cid].members.append(i)
        clusters[cid].last_seen = day
        clusters[cid].rep = dataclasses.replace(clusters[cid].rep, size=len(clusters[cid].members))
        predicted[i] = cid
        for other in placement.contradicts:
            contradiction_pairs.add(frozenset((cid, other)))

    scored = sorted(gold)
    by_pred: dict[Hashable, list[int]] = defaultdict(list)
    by_gold: dict[str, list[int]] = defaultdict(list)
    for i in scored:
        by_pred[predicted[i]].append(i)
        by_gold[gold[i]].append(i)
    precision = recall = 0.0
    for i in scored:
        same_pred = by_pred[predicted[i]]
        same_gold = by_gold[gold[i]]
        both = sum(1 for j in same_pred if gold[j] == gold[i])
        precision += both / len(same_pred)
        recall += both / len(same_gold)
    n = len(scored) or 1

    majority = {
        cid: Counter(gold[j] for j in members).most_common(1)[0][0] for cid, members in by_pred.items() if members
    }
    gold_pairs = {frozenset((c["a"], c["b"])) for c in labels.get("contradictions") or ()}
    predicted_pairs: list[tuple[str, str]] = []
    for pair in contradiction_pairs:
        a, b = tuple(pair)
        if a in majority and b in majority and majority[a] != majority[b]:
            predicted_pairs.append(tuple(sorted((majority[a], majority[b]))))  # type: ignore[arg-type]
    predicted_set = {frozenset(p) for p in predicted_pairs}
    right = sum(1 for p in predicted_pairs if frozenset(p) in gold_pairs)
    found_gold = sum(1 for p in gold_pairs if p in predicted_set)

    details = []
    for cid, members in sorted(by_pred.items(), key=lambda kv: str(majority.get(kv[0]))):
        rep = clusters[cid].rep
        what = rep.fact.key if rep.fact else rep.event
        labels_here = Counter(gold[j] for j in members)
        details.append(f"cluster {cid} {what}: {dict(labels_here)}")
        for j in members:
            details.append(f"    {gold[j]:28} {claims[j][0]}: {claims[j][1].text[:70]}")
    return Result(
        precision=precision / n,
        recall=recall / n,
        contradiction_precision=right / len(predicted_pairs) if predicted_pairs else 1.0,
        contradiction_recall=found_gold / len(gold_pairs) if gold_pairs else 1.0,
        labelled=len(scored) + len(missed),
        scored=len(scored),
        predicted_contradictions=sorted(predicted_pairs),
        missed=missed,
        details=details,
    )


def coverage(root: Path = SET) -> dict[str, int]:
    """Events (clusters) reported by at least 3 documents in at least 2 languages, and labelled contradictions."""
    labels = load_labels(root)
    docs: dict[str, set[str]] = defaultdict(set)
    languages: dict[str, set[str]] = defaultdict(set)
    for name, spec in labels["documents"].items():
        for claim in spec["claims"]:
            docs[claim["cluster"]].add(name)
            languages[claim["cluster"]].add(spec["language"])
    wide = [c for c in docs if len(docs[c]) >= 3 and len(languages[c]) >= 2]
    return {
        "documents": len(labels["documents"]),
        "clusters": len(labels["clusters"]),
        "events_3docs_2languages": len(wide),
        "contradictions": len(labels.get("contradictions") or ()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="print every predicted cluster and missed label")
    parser.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    args = parser.parse_args()
    result = evaluate()
    if args.json:
        print(json.dumps({**result.metrics(), **coverage()}))
        return
    cov = coverage()
    print(
        f"set: {cov['documents']} documents, {cov['clusters']} labelled clusters, "
        f"{cov['events_3docs_2languages']} reported by >= 3 documents in >= 2 languages, "
        f"{cov['contradictions']} labelled contradictions"
    )
    print(f"labelled claims: {result.labelled}; found by the engine and scored: {result.scored}")
    for name, value in result.metrics().items():
        print(f"  {name:26} {value}")
    print("predicted contradictions (as labels):")
    for a, b in result.predicted_contradictions:
        print(f"  {a} <> {b}")
    if args.details:
        print("clusters:")
        for line in result.details:
            print("  " + line)
        print("labelled claims the engine did not make claims:")
        for name, key in result.missed:
            print(f"  {name}: {key}")


if __name__ == "__main__":
    main()
