"""Extraction and analysis on every core: worker processes started once and kept warm for the run.

Both are CPU-bound Python, so threads share one core under the GIL; processes do not. The pool starts
lazily, on the first batch big enough to be worth it (a flow run that handles three articles is done
before two processes could start), and then serves every later batch of the run: `chipwatch run`
keeps it across cycles, a `process` flow run for its whole backlog.

Workers come from a fork server that has imported the analysis modules once: each worker starts from
that clean, warm image (no copy of the parent's threads, locks or database connections, as a plain
fork would give) and loads the vocabulary once in its initializer.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

# Below this many articles in a batch the work stays in this process: starting the pool costs more.
MIN_BATCH_FOR_POOL = 8
_PRELOAD = ["chipwatch.analysis.document", "chipwatch.pipeline.neardup"]
_WARM_PAGE = (
    "<html><head><meta charset='utf-8'><title>warm-up</title></head><body><article><p>"
    "英伟达股价暴跌近17%，市值单日蒸发近6000亿美元。NVIDIA shares fell 17% on Monday.</p></article></body></html>"
).encode()


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def _warm_up() -> None:
    """Runs once in each worker: the first analysis loads the vocabulary and builds the matchers."""
    from chipwatch.analysis.document import analyse_bytes

    analyse_bytes(_WARM_PAGE, content_type="text/html")


class AnalysisPool:
    """A `map` that runs on `workers` processes once a batch is big enough, in this process before.

    Use as a context manager (or call `close`): the worker processes end with it.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else available_cores()
        self._executor: Executor | None = None

    @property
    def started(self) -> bool:
        return self._executor is not None

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """`fn` over `items`, results in order. `fn` must be a module-level function (it is pickled)."""
        batch = list(items)
        if self.workers <= 1 or (self._executor is None and len(batch) < MIN_BATCH_FOR_POOL):
            return map(fn, batch)
        if self._executor is None:
            self._executor = self._start()
        # Small chunks: each worker keeps busy, and results come back soon enough for storing to overlap.
        chunk = max(1, min(4, len(batch) // (self.workers * 4)))
        return self._executor.map(fn, batch, chunksize=chunk)

    def _start(self) -> Executor:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        log.info("starting %d analysis worker processes", self.workers)
        return ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_warm_up)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
