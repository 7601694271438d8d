"""`chipwatch run`: cycles until stopped (or once), each source polled when it is due.

Progress goes to stderr (a bar on a terminal, a line per source otherwise); the summary of each cycle to stdout.
In loop mode an idle tick (nothing due, nothing delivered) prints nothing; a cycle that did something ends its
line with when the next poll is due.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from chipwatch.cli.logs import configure_logging
from chipwatch.cli.progress import Progress
from chipwatch.config import Settings, load_settings
from chipwatch.pipeline.pool import AnalysisPool
from chipwatch.storage.db import Database, open_database
from chipwatch.timefmt import absolute, relative

TICK_SECONDS = 30


def run(config: str, *, once: bool, use_prefect: bool = False, verbosity: int = 0) -> int:
    """Exit 0 after a cycle even when sources or targets failed: those are recorded, not fatal."""
    configure_logging(verbosity)
    settings = load_settings(config)
    db = open_database(settings.database)
    # One pool for the whole run: its worker processes start now, while the first poll runs, and stay warm.
    pool = AnalysisPool(settings.processing.workers)
    if not use_prefect:
        pool.prestart()
    try:
        while True:
            if use_prefect:
                from chipwatch.flows.poll import poll

                poll(config=config, only_due=not once)
                if not once:
                    print(f"next poll due {next_due_phrase(db, settings)}", flush=True)
            else:
                report = _cycle(db, settings, only_due=not once, pool=pool)
                if once or _did_something(report):
                    due = "" if once else f"; next poll due {next_due_phrase(db, settings)}"
                    print(summary_line(report) + due, flush=True)
            if once:
                return 0
            time.sleep(TICK_SECONDS)
    finally:
        pool.close()
        db.dispose()


def _cycle(db: Database, settings: Settings, *, only_due: bool, pool: AnalysisPool | None = None) -> Any:
    from chipwatch.pipeline.cycle import run_cycle

    holder: dict[str, Progress] = {}
    lock = threading.Lock()

    def start(count: int) -> None:
        if count:
            holder["bar"] = Progress(count, "polling").__enter__()

    def polled(outcome: Any) -> None:
        with lock:
            if "bar" in holder:
                holder["bar"].advance(_poll_note(outcome))

    try:
        return run_cycle(db, settings, only_due=only_due, on_sources=start, on_polled=polled, pool=pool)
    finally:
        if "bar" in holder:
            holder["bar"].__exit__(None, None, None)


def _poll_note(outcome: Any) -> str:
    if outcome.error:
        return f"{outcome.source}: {outcome.error}"
    if outcome.not_modified:
        return f"{outcome.source}: not modified"
    return f"{outcome.source}: {outcome.listed} listed, {len(outcome.new_article_ids)} new"


def _did_something(report: Any) -> bool:
    return bool(report.polls or report.processing.processed or report.alerts_queued or report.delivery.deliveries)


def next_due_phrase(db: Database, settings: Settings, now: datetime | None = None) -> str:
    """'in 12 min (2026-12-04 19:05 UTC)', or 'now', or 'never (no enabled source)'."""
    from chipwatch.storage.sources import next_poll_due

    with db.session() as session:
        due = next_poll_due(session)
    if due is None:
        return "never (no enabled source)"
    when = relative(due, now)
    return "now" if when == "just now" or when.endswith(" ago") else f"{when} ({absolute(due, settings.timezone)})"


def summary_line(report: Any) -> str:
    new = sum(len(p.new_article_ids) for p in report.polls)
    errors = sum(1 for p in report.polls if p.error)
    return (
        f"polled {len(report.polls)} sources ({errors} with errors), {new} new articles, "
        f"{report.processing.processed} processed ({report.processing.failed} failed), "
        f"{len(report.processing.new_claim_ids)} new claims, {report.alerts_queued} alerts queued, "
        f"{report.delivery.sent} sent, {report.delivery.failed} failed"
        + (f" ({report.delivery.unknown} sent without an answer in time)" if report.delivery.unknown else "")
    )
