"""Extraction and analysis on every core: worker processes started once and kept warm for the run.

Both are CPU-bound Python, so threads share one core under the GIL; processes do not. The pool starts
lazily, on the first batch big enough to be worth it (a flow run that handles three articles is done
before two processes could start), and then serves every later batch of the run: `chipwatch run`
keeps it across cycles, a `process` flow run for its whole backlog.

Workers come from a fork server that has imported the analysis modules once: each worker starts from
that clean, warm image (no copy of the parent's threads, locks or database connections, as a plain
fork would give), with the vocabulary loaded.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

# Below this many articles in a batch the work stays in this process: starting the pool costs more.
MIN_BATCH_FOR_POOL = 8
# Imported once by the fork server; pool_warm also runs one analysis there (see warm_up).
_PRELOAD = ["chipwatch.pipeline.process", "chipwatch.pipeline.pool_warm"]
# One Chinese and one English page: the first builds the matchers, the second loads py3langid's model
# (Han text is judged without it).
_WARM_PAGES = [
    (
        "<html><head><meta charset='utf-8'><title>warm-up</title></head><body><article><p>"
        f"{text}</p></article></body></html>"
    ).encode()
    for text in (
        "英伟达股价暴跌近17%，市值单日蒸发近6000亿美元，创下美国上市公司单日市值损失的纪录。",
        "NVIDIA shares fell 17% on Monday, wiping out nearly 600 billion dollars of market value in one day.",
    )
]


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def warm_up() -> None:
    """The first analyses load the vocabulary, the matchers and the language model (about 1.5 s): done
    once, in the fork server, so every worker forked from it starts warm (chipwatch.pipeline.pool_warm)."""
    from chipwatch.analysis.document import analyse_bytes

    for page in _WARM_PAGES:
        analyse_bytes(page, content_type="text/html")


def _ready() -> None:
    """A no-op task: one per worker at start, so the processes are forked before the first batch."""


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """While workers are started, hide which module this process runs as `__main__`.

    multiprocessing makes each new worker import the parent's main module (to find functions defined
    there); ours are all in chipwatch modules, and in a Prefect flow run the main module is
    `prefect.engine`, about 2 s of imports per worker for nothing.
    """
    main = sys.modules["__main__"]
    saved = {k: main.__dict__[k] for k in ("__spec__", "__file__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class AnalysisPool:
    """A `map` that runs on `workers` processes once a batch is big enough, in this process before.

    Use as a context manager (or call `close`): the worker processes end with it. `prestart` starts
    the workers in the background (the fork server takes about a second to import and warm up), so
    that cost overlaps with polling instead of delaying the first batch.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else available_cores()
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._starter: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self._executor is not None

    def prestart(self) -> None:
        """Start the worker processes now, in a background thread (no-op with one worker)."""
        if self.workers > 1 and self._executor is None and self._starter is None:
            self._starter = threading.Thread(target=self._ensure_started, name="analysis-pool-start", daemon=True)
            self._starter.start()

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """`fn` over `items`, results in order. `fn` must be a module-level function (it is pickled)."""
        batch = list(items)
        if self.workers <= 1 or (self._executor is None and self._starter is None and len(batch) < MIN_BATCH_FOR_POOL):
            return map(fn, batch)
        executor = self._ensure_started()
        # Small chunks: each worker keeps busy, and results come back soon enough for storing to overlap.
        chunk = max(1, min(4, len(batch) // (self.workers * 4)))
        return executor.map(fn, batch, chunksize=chunk)

    def _ensure_started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(_PRELOAD)
                log.info("starting %d analysis worker processes", self.workers)
                executor = ProcessPoolExecutor(self.workers, mp_context=ctx)
                with _main_module_hidden():  # workers are forked as tasks arrive: one task each, now
                    ready = [executor.submit(_ready) for _ in range(self.workers)]
                for future in ready:
                    future.result()
                self._executor = executor
            return self._executor

    def close(self) -> None:
        if self._starter is not None:
            self._starter.join()
            self._starter = None
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
