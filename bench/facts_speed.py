"""What the facts step (metric, period and entity per quantity, analysis/metrics.py) costs the claim engine.

Run `python bench/facts_speed.py [--rounds N]`. One process times analyze() on the seed articles with the step
and with it replaced by a no-op, in alternating rounds, so the ratio compares like with like on a busy machine;
CPU time (time.process_time), least of 15 runs per article and round.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyze_speed import seed_texts  # noqa: E402

import chipwatch.analysis.engine as engine  # noqa: E402


def _mean_least(texts: list[str], runs: int = 15) -> float:
    least = []
    for text in texts:
        best = float("inf")
        for _ in range(runs):
            start = time.process_time()
            engine.analyze(text)
            best = min(best, time.process_time() - start)
        least.append(best)
    return sum(least) / len(least)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = [text for _, text in seed_texts()]
    engine.analyze(texts[0])  # vocabularies loaded outside the timings
    real = engine.attach_facts
    ratios = []
    print(f"engine build: {engine.__name__} ({__import__('chipwatch.analysis').analysis.ENGINE_BUILD})")
    for n in range(args.rounds):
        engine.attach_facts = lambda *a, **k: None  # type: ignore[assignment]
        without = _mean_least(texts)
        engine.attach_facts = real
        with_facts = _mean_least(texts)
        ratios.append(with_facts / without)
        print(
            f"round {n}: without the facts step {without * 1000:.2f} ms, with it {with_facts * 1000:.2f} ms "
            f"per seed article: x{with_facts / without:.3f}"
        )
    ratios.sort()
    print(f"ratio with / without: median x{ratios[len(ratios) // 2]:.3f} (range {ratios[0]:.3f}-{ratios[-1]:.3f})")


if __name__ == "__main__":
    main()
