"""`chipwatch run`: cycles until stopped (or once), each source polled when it is due."""

from __future__ import annotations

import logging
import time

from chipwatch.config import load_settings
from chipwatch.pipeline.pool import AnalysisPool
from chipwatch.storage.db import open_database

TICK_SECONDS = 30


def run(config: str, *, once: bool, use_prefect: bool = False) -> int:
    """Exit 0 after a cycle even when sources or targets failed: those are recorded, not fatal."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
            else:
                from chipwatch.pipeline.cycle import run_cycle

                report = run_cycle(db, settings, only_due=not once, pool=pool)
                print(summary_line(report), flush=True)
            if once:
                return 0
            time.sleep(TICK_SECONDS)
    finally:
        pool.close()
        db.dispose()


def summary_line(report) -> str:  # type: ignore[no-untyped-def]
    new = sum(len(p.new_article_ids) for p in report.polls)
    errors = sum(1 for p in report.polls if p.error)
    return (
        f"polled {len(report.polls)} sources ({errors} with errors), {new} new articles, "
        f"{report.processing.processed} processed ({report.processing.failed} failed), "
        f"{len(report.processing.new_claim_ids)} new claims, {report.alerts_queued} alerts queued, "
        f"{report.delivery.sent} sent, {report.delivery.failed} failed"
        + (f" ({report.delivery.unknown} sent without an answer in time)" if report.delivery.unknown else "")
    )
