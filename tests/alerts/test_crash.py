"""SIGKILL a delivery process inside the one repeat window and after it: nothing lost, at most that repeat.

The window (alerts/delivery.py): the target has the message, the `sent` commit has not happened. A receiver that
reads the request and then stalls holds the worker exactly there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.config import settings_from_dict
from chipwatch.storage.db import Database
from chipwatch.storage.models import Alert
from chipwatch.storage.types import utcnow

WORKER = Path(__file__).with_name("deliver_worker.py")


def start_worker(db: Database, target: str) -> subprocess.Popen[str]:
    url = db.engine.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, target], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.05)


def states(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Alert.state).order_by(Alert.id)))


def keys(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Alert.dedup_key).order_by(Alert.id)))


def setup(db: Database, store: Any, make_claim: Any, target: str) -> Any:
    store(db, [make_claim(f"NVIDIA claim {i}") for i in range(3)])
    settings = settings_from_dict({"alerts": [{"name": "notable", "min_score": 0.5, "notify": [target]}]})
    assert len(enqueue_alerts(db, settings.alerts)) == 3
    return settings.alerts


def test_killed_inside_the_window_repeats_only_that_alert_and_loses_none(
    db: Database, hook: Any, store: Any, make_claim: Any
) -> None:
    target = hook.target(rto=60)  # the worker waits for the stalled answer: it is inside the window
    cfg = setup(db, store, make_claim, target)
    hook.mode = "stall"
    worker = start_worker(db, target)
    try:
        wait_for(lambda: len(hook.arrived) == 1)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    assert states(db) == ["sending"] * 3  # claimed, one of them already at the target
    hook.mode = "ok"
    hook.release()
    # nothing is taken again while the dead worker's lease runs
    assert deliver_due(db, cfg).deliveries == []
    after_lease = utcnow() + cfg.lease + timedelta(seconds=1)
    assert deliver_due(db, cfg, now=after_lease).sent == 3
    assert states(db) == ["sent"] * 3
    arrivals = Counter(hook.arrived_ids())
    first = keys(db)[0]
    assert set(arrivals) == set(keys(db))  # no alert lost
    assert arrivals[first] == 2  # the documented repeat, same dedup key so the receiver can drop it
    assert all(n == 1 for k, n in arrivals.items() if k != first)


def test_killed_after_the_send_is_recorded_nothing_repeats(
    db: Database, hook: Any, store: Any, make_claim: Any
) -> None:
    target = hook.target()
    cfg = setup(db, store, make_claim, target)
    worker = start_worker(db, target)
    try:
        line = worker.stdout.readline() if worker.stdout else ""
        assert line.strip() == "DELIVERED 3", worker.stderr.read() if worker.stderr else ""
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert states(db) == ["sent"] * 3
    assert deliver_due(db, cfg, now=utcnow() + timedelta(days=1)).deliveries == []
    assert sorted(hook.arrived_ids()) == sorted(keys(db))  # each exactly once
