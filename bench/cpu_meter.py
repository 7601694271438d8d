"""CPU seconds used by this process and all its descendants over a stretch of time, read from /proc.

On a machine shared with other work, wall time says how much of the CPUs this run got; CPU time says
what the work cost. Worker processes of a pool are not reaped by this process (a fork server is their
parent), so their time is sampled from /proc while they live. Linux only.
"""

from __future__ import annotations

import os
import threading
import time

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[int, float, str] | None:
    """(parent pid, CPU seconds, start time) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK, fields[19]


class CpuMeter:
    """`with CpuMeter() as m: ...` then `m.seconds`: CPU of this process and its descendants meanwhile."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self._sampling = 0.0
        self.seconds = 0.0
        self._base: dict[tuple[str, str], float] = {}
        self._last: dict[tuple[str, str], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _descendants(self) -> dict[tuple[str, str], float]:
        procs = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit() and (st := _stat(pid)) is not None:
                procs[pid] = st
        mine, out = {str(os.getpid())}, {}
        changed = True
        while changed:
            changed = False
            for pid, (ppid, _cpu, _start) in procs.items():
                if pid not in mine and str(ppid) in mine:
                    mine.add(pid)
                    changed = True
        for pid in mine - {str(os.getpid())}:
            _ppid, cpu, start = procs[pid]
            out[(pid, start)] = cpu
        return out

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._last.update(self._descendants())
        self._sampling = time.thread_time()  # the meter's own cost, left out of the figure

    def __enter__(self) -> CpuMeter:
        self._base = self._descendants()
        self._own = time.process_time()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._last.update(self._descendants())
        children = sum(cpu - self._base.get(key, 0.0) for key, cpu in self._last.items())
        self.seconds = time.process_time() - self._own - self._sampling + children
