"""`chipwatch demo`: the main job on the embedded default, offline and self-contained.

Serves the bundled samples from a loopback site, stores into SQLite in the user data dir, runs one
full cycle of the Prefect `poll` flow, delivers alerts to a loopback receiver, prints a summary.
"""

from __future__ import annotations

import os
import shutil
import time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from platformdirs import user_data_dir

from chipwatch.cli.loopback import alert_receiver, load_sample_articles, sample_site
from chipwatch.cli.terminal import printable


def run_demo(*, data_dir: str | None = None, reset: bool = False, use_prefect: bool = True) -> int:
    started = time.monotonic()
    home = Path(data_dir or os.environ.get("CHIPWATCH_HOME") or user_data_dir("chipwatch")) / "demo"
    if reset and home.exists():
        shutil.rmtree(home)
    inbox = home / "inbox"
    if not inbox.exists():
        inbox.mkdir(parents=True)
        for sample in (resources.files("chipwatch.cli") / "samples" / "inbox").iterdir():
            (inbox / sample.name).write_bytes(sample.read_bytes())
    _say(f"demo data in {home}")

    articles = load_sample_articles()
    site = sample_site(articles)
    receiver_server, receiver = alert_receiver()
    with site, receiver_server:
        config = home / "demo.yaml"
        config.write_text(
            yaml.safe_dump(_demo_config(home, site.url, receiver_server.url), sort_keys=False),
            encoding="utf-8",
        )
        _say(
            f"sample site with {len(articles)} articles at {site.url}/feed.xml; "
            f"alert receiver at {receiver_server.url}/alerts"
        )
        if use_prefect:
            _say("starting the Prefect `poll` flow (a temporary local Prefect server starts first; ~15-30 s)")
            summary = _run_flow(str(config))
        else:
            summary = _run_plain(str(config))
    _print_summary(summary, config, receiver.received, time.monotonic() - started)
    return 0


def _demo_config(home: Path, site: str, receiver: str) -> dict[str, Any]:
    return {
        "database": f"sqlite:///{home / 'chipwatch.db'}",
        "sources": [
            {"name": "demo-feed", "kind": "feed", "url": f"{site}/feed.xml", "every": "15m"},
            {"name": "demo-inbox", "kind": "directory", "path": str(home / "inbox")},
        ],
        "alerts": [
            {
                "name": "notable-claims",
                "min_score": 0.6,
                "notify": [f"json://{receiver[len('http://') :]}/alerts"],
            }
        ],
        # The demo site and receiver live on loopback, which is refused unless allowed.
        "http": {"allow_private_networks": True},
    }


def _run_flow(config: str) -> dict[str, Any]:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # Prefect's own chatter off, but flow and task run lines on: they are the demo's progress.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "INFO")
    from chipwatch.flows.poll import poll

    return poll(config=config)


def _run_plain(config: str) -> dict[str, Any]:
    from chipwatch.config import load_settings
    from chipwatch.pipeline.cycle import run_cycle
    from chipwatch.storage.db import open_database

    settings = load_settings(config)
    db = open_database(settings.database)
    try:
        r = run_cycle(db, settings, progress=_say)
    finally:
        db.dispose()
    return r.summary()


def _print_summary(summary: dict[str, Any], config: Path, received: list[dict[str, Any]], seconds: float) -> None:
    from chipwatch.config import load_settings
    from chipwatch.storage.articles import articles_by_ids, count_articles
    from chipwatch.storage.claims import claims_by_ids
    from chipwatch.storage.db import open_database

    db = open_database(load_settings(config).database)
    new_ids = [i for p in summary["polls"] for i in p["new"]]
    with db.session() as session:
        stored = articles_by_ids(session, new_ids)
        claims = claims_by_ids(session, summary["processing"]["claims"])
        total = count_articles(session)
    db.dispose()

    print("\n== Sources polled")
    for p in summary["polls"]:
        status = f"error: {p['error']}" if p.get("error") else "ok"
        print(printable(f"  {p['source']:<12} {p['listed']:>3} listed, {len(p['new']):>3} new   {status}"))
    print(f"\n== Articles stored: {len(stored)} new ({total} in the database)")
    for art in stored:
        state = art.status if art.status != "processed" else art.language
        print(printable(f"  [{state}] {art.title or art.url}"))
    for err in summary["processing"]["errors"]:
        print(printable(f"  failed: {err}"))
    print(f"\n== Claims found: {len(claims)} ({sum(1 for c in claims if c.claim.notable)} notable)")
    for item in sorted(claims, key=lambda i: -i.claim.score)[:15]:
        c = item.claim
        text = c.text if len(c.text) <= 90 else c.text[:87] + "..."
        print(printable(f"  {'*' if c.notable else ' '} {c.score:.2f} {c.stance:<8} [{', '.join(c.entities)}] {text}"))
    if len(claims) > 15:
        print(f"  ... and {len(claims) - 15} more (chipwatch export claims --config {config} --format jsonl)")
    deliveries = summary["deliveries"]
    print(
        f"\n== Alerts sent: {sum(1 for d in deliveries if not d['error'])} "
        f"(receiver got {len(received)}; {summary['alerts_queued']} queued this run)"
    )
    for d in deliveries[:10]:
        outcome = "sent  " if not d["error"] else f"FAILED ({d['error']})"
        print(printable(f"  {outcome} {d['title']}"))
    if len(deliveries) > 10:
        print(f"  ... and {len(deliveries) - 10} more (chipwatch export alerts --config {config} --format jsonl)")
    if not new_ids and not deliveries:
        print("\nNothing new since the last demo run: no new articles, no alerts (run with --reset to start over).")
    print(f"\nDone in {seconds:.1f} s. Config used: {config}")


def _say(message: str) -> None:
    print(f"-> {message}", flush=True)
