"""Claim-engine evaluation on the hand-labelled sets under tests/analysis/eval/, printed side by side.

Sets (SETS below): `written`, documents written for the project (the engine was tuned on them); `real-dev`,
excerpts of real public pages the engine may be tuned on; `real-holdout`, excerpts of real public pages that are
scored before every tuning round and never tuned on (when one is used for tuning it moves to real-dev and a fresh
document takes its place).

Run `python bench/eval.py` (add `--set real-dev --details` to see every miss and false claim of one set,
`--only 'en_*'` to score some documents); tests import `evaluate()`.

Each document `NAME.txt` has a sidecar `NAME.yaml` with the claims a careful analyst would mark, each keyed
by a distinctive substring of its sentence, with its entities, quantities, stance and (real sets) whether it is
notable; real documents also carry their `source` address, `genre` and `script`. `acceptable` lists sentences
an analyst could go either way on: a predicted claim matching one is neither a hit nor a false claim.
`off_topic: true` documents must yield no claims at all.

Metrics:
- claim recall: labelled claims found / labelled claims
- claim precision: predicted claims matching a label / predicted claims not matching an `acceptable` entry
  (claim_precision_strict counts those as false claims too)
- entity F1: micro F1 of claim entities over matched claims
- quantity accuracy: correct / (labelled + spurious predicted) quantities, over matched claims
- entity accuracy: matched claims whose entity set equals the label exactly
- stance accuracy: matched claims whose stance equals the label
- notable recall: labelled claims marked `notable: true` that were found and predicted notable / those labelled
- off-topic false claims: claims predicted in off-topic documents (must be 0)
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EVAL = Path(__file__).resolve().parent.parent / "tests" / "analysis" / "eval"
DOCS = EVAL / "docs"
SETS = {"written": DOCS, "real-dev": EVAL / "real" / "dev", "real-holdout": EVAL / "real" / "holdout"}


@dataclass
class Report:
    documents: int = 0
    labelled: int = 0
    found: int = 0
    predicted: int = 0
    predicted_acceptable: int = 0
    predicted_matching: int = 0
    entity_tp: int = 0
    entity_fp: int = 0
    entity_fn: int = 0
    quantity_ok: int = 0
    quantity_total: int = 0
    stance_ok: int = 0
    stance_total: int = 0
    entity_exact: int = 0
    notable_labelled: int = 0
    notable_found: int = 0
    offtopic_false_claims: int = 0
    details: list[str] = field(default_factory=list)
    per_document: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # labelled, found, false

    def metrics(self) -> dict[str, float | int | None]:
        def ratio(a: int, b: int) -> float:
            return round(a / b, 4) if b else 1.0

        p = ratio(self.entity_tp, self.entity_tp + self.entity_fp)
        r = ratio(self.entity_tp, self.entity_tp + self.entity_fn)
        return {
            "documents": self.documents,
            "labelled_claims": self.labelled,
            "predicted_claims": self.predicted,
            "claim_recall": ratio(self.found, self.labelled),
            "claim_precision": ratio(self.predicted_matching, self.predicted - self.predicted_acceptable),
            # the same with every "acceptable" (either-way) sentence counted as a false claim
            "claim_precision_strict": ratio(self.predicted_matching, self.predicted),
            "acceptable_predicted": self.predicted_acceptable,
            "entity_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "entity_accuracy": ratio(self.entity_exact, self.found),
            "quantity_accuracy": ratio(self.quantity_ok, self.quantity_total),
            "stance_accuracy": ratio(self.stance_ok, self.stance_total),
            # None when the set's labels do not say which claims are notable (the written set)
            "notable_recall": ratio(self.notable_found, self.notable_labelled) if self.notable_labelled else None,
            "offtopic_false_claims": self.offtopic_false_claims,
        }


def _squash(text: str) -> str:
    return "".join(text.split())


def _same_quantity(gold: dict[str, Any], q: dict[str, Any]) -> bool:
    if str(gold["unit"]) != q["unit"]:
        return False

    def close(a: float | None, b: float | None) -> bool:
        if a is None or b is None:
            return a is None and b is None
        return abs(a - b) <= max(1e-4, 1e-6 * abs(a))

    return close(float(gold["value"]), float(q["value"])) and close(
        None if gold.get("value_max") is None else float(gold["value_max"]),
        None if q.get("value_max") is None else float(q["value_max"]),
    )


def load_set(docs: Path = DOCS, only: str = "*") -> list[tuple[str, str, dict[str, Any]]]:
    """Documents whose stem matches the glob `only` (all by default), with their labels."""
    items = []
    for txt in sorted(docs.glob(f"{only.removesuffix('.txt')}.txt")):
        label_path = txt.with_suffix(".yaml")
        if not label_path.exists():
            raise FileNotFoundError(f"{txt.name} has no label file {label_path.name}")
        text = txt.read_text(encoding="utf-8")
        labels = yaml.safe_load(label_path.read_text(encoding="utf-8")) or {}
        squashed = _squash(text)
        for entry in [*(labels.get("claims") or []), *({"key": k} for k in labels.get("acceptable") or [])]:
            if _squash(entry["key"]) not in squashed:
                raise ValueError(f"{label_path.name}: key not in the document: {entry['key']!r}")
        items.append((txt.stem, text, labels))
    return items


def evaluate(docs: Path = DOCS, only: str = "*") -> Report:
    from chipwatch.analysis.engine import analyze

    report = Report()
    for name, text, labels in load_set(docs, only):
        report.documents += 1
        result = analyze(text).to_json(name)
        predicted = result["claims"]
        if labels.get("off_topic"):
            report.offtopic_false_claims += len(predicted)
            report.predicted += len(predicted)
            report.details += [f"{name}: OFF-TOPIC CLAIM {c['text'][:80]}" for c in predicted]
            continue
        gold = labels.get("claims") or []
        acceptable = [_squash(k) for k in labels.get("acceptable") or []]
        used: set[int] = set()
        report.labelled += len(gold)
        report.predicted += len(predicted)
        for g in gold:
            key = _squash(g["key"])
            report.notable_labelled += bool(g.get("notable"))
            match = next((i for i, c in enumerate(predicted) if i not in used and key in _squash(c["text"])), None)
            if match is None:
                report.details.append(f"{name}: MISSED {g['key']}")
                continue
            used.add(match)
            claim = predicted[match]
            report.found += 1
            gold_entities, got = set(g.get("entities") or []), set(claim["entities"])
            report.entity_tp += len(gold_entities & got)
            report.entity_fp += len(got - gold_entities)
            report.entity_fn += len(gold_entities - got)
            report.entity_exact += gold_entities == got
            report.notable_found += bool(g.get("notable")) and bool(claim["notable"])
            if gold_entities != got:
                report.details.append(
                    f"{name}: ENTITIES {g['key'][:30]} gold={sorted(gold_entities)} got={sorted(got)}"
                )
            report.stance_total += 1
            if claim["stance"] == g.get("stance", "neutral"):
                report.stance_ok += 1
            else:
                report.details.append(f"{name}: STANCE {g['key'][:30]} gold={g.get('stance')} got={claim['stance']}")
            remaining = list(claim["quantities"])
            for gq in g.get("quantities") or []:
                report.quantity_total += 1
                hit = next((q for q in remaining if _same_quantity(gq, q)), None)
                if hit is not None:
                    remaining.remove(hit)
                    report.quantity_ok += 1
                else:
                    report.details.append(f"{name}: QUANTITY {g['key'][:30]} missing {gq}")
            report.quantity_total += len(remaining)
            report.details += [f"{name}: QUANTITY {g['key'][:30]} spurious {q}" for q in remaining]
        false_claims = 0
        for i, claim in enumerate(predicted):
            if i in used:
                report.predicted_matching += 1
            elif any(k in _squash(claim["text"]) for k in acceptable):
                report.predicted_acceptable += 1
            else:
                false_claims += 1
                report.details.append(f"{name}: FALSE CLAIM {claim['text'][:90]}")
        report.per_document[name] = (len(gold), len(used), false_claims)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), action="append", help="score only these sets (repeatable)")
    parser.add_argument("--details", action="store_true", help="list every miss and false claim")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON, one object per set")
    parser.add_argument("--per-doc", action="store_true", help="labelled / found / false claims per document")
    parser.add_argument("--only", default="*", metavar="GLOB", help="evaluate only documents whose name matches")
    args = parser.parse_args(argv)
    names = [n for n in SETS if n in (args.set or SETS)]
    reports = {n: evaluate(SETS[n], args.only) for n in names if SETS[n].is_dir()}
    metrics = {n: r.metrics() for n, r in reports.items()}
    if args.json:
        print(json.dumps(metrics))
    else:
        print(f"{'':24s}" + "".join(f"{n:>14s}" for n in metrics))
        for key in next(iter(metrics.values()), {}):
            print(f"{key:24s}" + "".join(f"{'-' if m[key] is None else m[key]:>14}" for m in metrics.values()))
    for name, report in reports.items():
        if args.per_doc:
            print(f"{name}:")
            for doc, (labelled, found, false_claims) in sorted(report.per_document.items()):
                print(f"  {doc:44s} labelled {labelled:3d}  found {found:3d}  false {false_claims:3d}")
        if args.details:
            print(f"{name}:")
            print("\n".join(report.details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
