"""Per-host politeness: at most N requests in flight per host and a minimum delay between starts.

Shared by every thread that uses the one HttpClient of a cycle, so the limits hold however the
pipeline schedules its sources.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from chipwatch.hosts import is_loopback


class HostGate:
    """Requests to one host wait for a free slot and for `min_delay` seconds since the previous start.

    Loopback hosts are exempt from the delay unless `delay_loopback` is set: politeness protects
    other people's servers, and a local test server or the demo site is this machine.
    """

    def __init__(
        self,
        *,
        min_delay: float = 1.0,
        max_concurrent: int = 2,
        delay_loopback: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_delay = min_delay
        self.max_concurrent = max(1, max_concurrent)
        self.delay_loopback = delay_loopback
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}
        self._host_delay: dict[str, float] = {}

    def slow_down(self, host: str, delay: float) -> None:
        """Raise one host's minimum delay (robots.txt Crawl-delay); never lowers it, capped at 60 s."""
        with self._lock:
            self._host_delay[host] = min(max(delay, self._host_delay.get(host, 0.0)), 60.0)

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Hold one of the host's slots for the duration of a request."""
        with self._lock:
            sem = self._slots.setdefault(host, threading.BoundedSemaphore(self.max_concurrent))
        with sem:
            self._wait_turn(host)
            yield

    def _wait_turn(self, host: str) -> None:
        delay = max(self.min_delay, self._host_delay.get(host, 0.0))
        if is_loopback(host) and not self.delay_loopback:
            delay = 0.0
        with self._lock:
            # Reserve the next start time under the lock so concurrent callers queue up in order.
            now = self._clock()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + delay
        if start > now:
            self._sleep(start - now)
