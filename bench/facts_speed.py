"""What the facts step (metric, period and entity per quantity, analysis/metrics.py) costs the claim engine.

Run `python bench/facts_speed.py [--rounds N]`. One process times analyze() on the seed articles with the step
and with it replaced by a no-op, the two alternating run by run, so the ratio compares like with like on a busy
machine; CPU time (time.process_time), least of 15 runs of each per article and round.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyze_speed import seed_texts

import chipwatch.analysis.engine as engine


def _least_pair(text: str, real: object, runs: int) -> tuple[float, float]:
    """Least CPU time of analyze(text) without and with the facts step, the two timed in alternation."""
    best_without = best_with = float("inf")
    for _ in range(runs):
        engine.attach_facts = _no_facts  # type: ignore[assignment]
        start = time.process_time()
        engine.analyze(text)
        best_without = min(best_without, time.process_time() - start)
        engine.attach_facts = real  # type: ignore[assignment]
        start = time.process_time()
        engine.analyze(text)
        best_with = min(best_with, time.process_time() - start)
    return best_without, best_with


def _no_facts(*args: object, **kwargs: object) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = [text for _, text in seed_texts()]
    engine.analyze(texts[0])  # vocabularies loaded outside the timings
    real = engine.attach_facts
    ratios = []
    print(f"engine build: {__import__('chipwatch.analysis').analysis.ENGINE_BUILD}")
    for n in range(args.rounds):
        pairs = [_least_pair(text, real, 15) for text in texts]
        without = sum(p[0] for p in pairs) / len(pairs)
        with_facts = sum(p[1] for p in pairs) / len(pairs)
        ratios.append(with_facts / without)
        print(
            f"round {n}: without the facts step {without * 1000:.2f} ms, with it {with_facts * 1000:.2f} ms "
            f"per seed article: x{with_facts / without:.3f}"
        )
    ratios.sort()
    print(f"ratio with / without: median x{ratios[len(ratios) // 2]:.3f} (range {ratios[0]:.3f}-{ratios[-1]:.3f})")


if __name__ == "__main__":
    main()
