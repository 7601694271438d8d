"""Which executor should run a batch's extraction and analysis in parallel? Measured, not guessed.

Runs the same batch of article pages through `analyse_pending` four ways, in this process:
sequential (the baseline), a thread pool (what Prefect's ThreadPoolTaskRunner uses), a thread pool
driven by Prefect's ThreadPoolTaskRunner itself (tasks per slice, as the `process` flow submits them),
and process pools (the model of prefect-dask's local cluster, which runs tasks in worker processes;
without its scheduler and serialisation costs, so an upper bound for Dask here): warm (forked from
this already warmed-up process) and cold (fresh interpreters, as a flow run's own cluster would be).
Prints seconds and the speed-up against the baseline. Bounded: a few hundred pages.

    python bench/task_runner.py [--pages 200] [--workers 2] [--no-prefect]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from chipwatch.cli.loopback import load_sample_articles, render_page
from chipwatch.pipeline.process import Analysed, PendingArticle, analyse_pending


def batch(n: int) -> list[PendingArticle]:
    samples = load_sample_articles()
    out = []
    for i in range(n):
        a = samples[i % len(samples)]
        url = f"http://127.0.0.1/{i}"
        out.append(PendingArticle(i, url, url, a.title, f"text/html; charset={a.encoding}", render_page(a)))
    return out


def analyse_slice(part: list[PendingArticle]) -> list[Analysed]:
    return [analyse_pending(p) for p in part]


def timed(label: str, fn, baseline: float | None = None) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    ratio = f"  x{baseline / took:.2f} vs sequential" if baseline else ""
    print(f"{label:<42} {took:7.2f} s{ratio}", flush=True)
    return took


def run_prefect(pending: list[PendingArticle], workers: int) -> float:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.task_runners import ThreadPoolTaskRunner

    @task(cache_policy=NO_CACHE)
    def analyse(part: list[PendingArticle]) -> list[Analysed]:
        return analyse_slice(part)

    def make(n: int):  # type: ignore[no-untyped-def]
        @flow(task_runner=ThreadPoolTaskRunner(max_workers=n))
        def bench_flow(items: list[PendingArticle]) -> int:
            futures = [analyse.submit(items[i::n]) for i in range(n)]
            return sum(len(f.result()) for f in futures)

        return bench_flow

    one, many = make(1), make(workers)
    one(pending[:5])  # start the temporary server outside the measurement
    base = timed("prefect ThreadPoolTaskRunner, 1 thread", lambda: one(pending))
    timed(f"prefect ThreadPoolTaskRunner, {workers} threads", lambda: many(pending), base)
    return base


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-prefect", action="store_true", help="skip the run through Prefect's task runner")
    args = ap.parse_args()
    pending = batch(args.pages)
    n = args.workers
    analyse_slice(pending[:7])  # warm the vocabularies and parsers
    print(f"{len(pending)} pages, {n} workers, {os.cpu_count()} CPUs")
    base = timed("sequential", lambda: analyse_slice(pending))
    slices = [pending[i::n] for i in range(n)]
    with ThreadPoolExecutor(n) as pool:
        timed(f"thread pool ({n} threads)", lambda: list(pool.map(analyse_slice, slices)), base)
    with ProcessPoolExecutor(n) as pool:
        list(pool.map(analyse_slice, [pending[:7]] * n))  # start and warm the workers first
        timed(f"process pool ({n} processes, warm)", lambda: list(pool.map(analyse_slice, slices)), base)
    # Fresh interpreters, as Dask's nanny-started workers are: each pays imports and the analysis
    # libraries' warm-up (language model, stop lists) before its first article.
    cold = time.perf_counter()
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(analyse_slice, slices))
    took = time.perf_counter() - cold
    print(f"{f'process pool ({n} fresh processes, cold)':<42} {took:7.2f} s  x{base / took:.2f} vs sequential")
    if not args.no_prefect:
        run_prefect(pending, n)


if __name__ == "__main__":
    main()
