"""For every labelled claim the engine misses in a set, say which step of the claim engine turned its sentence
down (the line of engine._claim that returned, or: not a sentence span, title, document gate). A tuning aid:
run it on the dev sets only. Needs the sources (CHIPWATCH_PURE=1), since it traces Python lines.

    CHIPWATCH_PURE=1 python bench/why_missed.py [--set real-dev] [--only GLOB]
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval import SETS, _squash, load_set

from chipwatch.analysis import engine


def reasons_for(text: str) -> dict[tuple[int, int], str]:
    """Span -> the reason _claim gave None (its source line), for every sentence span judged."""
    out: dict[tuple[int, int], str] = {}
    lines = Path(engine.__file__.replace(".so", ".py")).read_text().splitlines()
    current: list[tuple[int, int]] = []
    original = engine._claim

    def traced(doc, candidate):  # type: ignore[no-untyped-def]
        start, end = candidate.start, candidate.end
        current.append((start, end))
        last = {"line": 0}

        def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
            if frame.f_code is original.__code__ and event == "return":
                n = last["line"]
                out[(start, end)] = f"engine.py:{n} {lines[n - 2].strip()[:70]}"
            if frame.f_code is original.__code__ and event == "line":
                last["line"] = frame.f_lineno
            return tracer

        sys.settrace(tracer)
        try:
            result = original(doc, candidate)
        finally:
            sys.settrace(None)
        if result[0] is not None:
            out[(start, end)] = "CLAIM"
        return result

    engine._claim = traced
    try:
        engine.analyze(text)
    finally:
        engine._claim = original
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="real-dev", choices=sorted(SETS))
    ap.add_argument("--only", default="*")
    args = ap.parse_args()
    tally: collections.Counter[str] = collections.Counter()
    for name, text, labels in load_set(SETS[args.set], args.only):
        if labels.get("off_topic"):
            continue
        predicted = [_squash(c.text) for c in engine.analyze(text).claims]
        reasons = reasons_for(text)
        for g in labels.get("claims") or []:
            key = _squash(g["key"])
            if any(key in p for p in predicted):
                continue
            why = "no sentence span judged (title, furniture, gate terms, or document gate)"
            for (s, e), r in reasons.items():
                if key in _squash(text[s:e]):
                    why = r
                    break
            tally[why] += 1
            print(f"{name}: {g['key'][:40]!r}: {why}")
    print()
    for why, n in tally.most_common():
        print(f"{n:4d}  {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
