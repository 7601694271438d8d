"""Ingestion benchmark on loopback: N feeds polled twice by chipwatch vs. a naive feedparser loop,
and the peak memory of a cycle over the hostile set. Bounded; prints figures, asserts nothing.

    python bench/ingest.py [--feeds 500] [--items 20]

Figures are ratios within one run (same machine, same moment), so they travel between machines.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import feedparser
import httpx

from chipwatch.analysis.document import analyse_bytes
from chipwatch.cli.loopback import LoopbackServer
from chipwatch.config import settings_from_dict
from chipwatch.pipeline.cycle import http_client, run_cycle
from chipwatch.pipeline.poll import poll_sources
from chipwatch.storage.db import open_database

sys.path.insert(0, str(Path(__file__).resolve().parent))
from served import ServedSite


class Counting:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.bytes_sent = 0
        self.requests = 0
        self.lock = threading.Lock()

    def handle(self, req):  # type: ignore[no-untyped-def]
        status, headers, body = self.routes.get(req.path, (404, {}, b""))
        etag = headers.get("ETag")
        if etag and req.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        with self.lock:
            self.requests += 1
            self.bytes_sent += len(body)
        return status, headers, body


# A realistic item summary (~1 KB): feeds on the web carry one per entry.
_DESCRIPTION = (
    "英伟达股价暴跌近17%，市值单日蒸发近6000亿美元。" * 8 + "Analysts expect capex to keep rising. " * 10
).strip()


def feed_body(base: str, i: int, items: int) -> bytes:
    entries = "".join(
        f"<item><title>feed {i} item {k} 英伟达</title><link>{base}/a/{k}</link><guid>{i}-{k}</guid>"
        f"<pubDate>Mon, 27 Jan 2025 08:{k % 60:02d}:00 +0800</pubDate>"
        f"<description>{_DESCRIPTION}</description></item>"
        for k in range(items)
    )
    head = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>f{i}</title>'
    return f"{head}{entries}</channel></rss>".encode()


def feed_routes(base: str, feeds: int, items: int) -> dict[str, tuple[int, dict[str, str], bytes]]:
    """The benchmark site: `feeds` RSS feeds with ETags, all linking to the same `items` article pages."""
    routes = {
        f"/f/{i}.xml": (200, {"Content-Type": "application/rss+xml", "ETag": f'"f{i}"'}, feed_body(base, i, items))
        for i in range(feeds)
    }
    # Every feed links to the same article pages, so the first (setup) cycle stores them once and
    # stays short; the second cycle, the one measured, is the same whatever the links.
    for k in range(items):
        routes[f"/a/{k}"] = (200, {"Content-Type": "text/plain; charset=utf-8"}, b"article")
    return routes


def naive_loop(urls: list[str]) -> float:
    """Fetch and feedparser.parse every feed, every time (no validators kept): seconds taken."""
    start = time.perf_counter()
    with httpx.Client() as client:
        for url in urls:
            feedparser.parse(client.get(url).content)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3, help="naive loop and re-poll alternated, medians reported")
    args = ap.parse_args()
    # The feeds are served from a child process (bench/served.py): keep-alive, no GIL shared with the client.
    with ServedSite(feed_routes, args.feeds, args.items) as site, tempfile.TemporaryDirectory() as tmp:
        urls = [f"{site.url}/f/{i}.xml" for i in range(args.feeds)]
        settings = settings_from_dict(
            {
                "database": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "sources": [{"name": f"f{i}", "kind": "feed", "url": u} for i, u in enumerate(urls)],
                "http": {"allow_private_networks": True},
            }
        )
        db = open_database(settings.database)
        naive: list[float] = []
        cycles: list[float] = []
        polls: list[float] = []
        try:
            site.reset()
            start = time.perf_counter()
            run_cycle(db, settings)
            cold_s = time.perf_counter() - start
            # Alternate the three measurements, so a burst of load elsewhere on the machine hits them alike.
            for _ in range(args.rounds):
                site.reset()
                naive.append(naive_loop(urls))
                naive_bytes = site.stats()["bytes"]
                site.reset()
                start = time.perf_counter()
                second = run_cycle(db, settings)
                cycles.append(time.perf_counter() - start)
                warm = site.stats()
                # The poll stage alone: what `poll_sources` costs without extraction, alerts and delivery.
                with http_client(settings) as client:
                    start = time.perf_counter()
                    poll_sources(db, client, settings.sources, workers=settings.http.workers)
                    polls.append(time.perf_counter() - start)
        finally:
            db.dispose()
        warm_parses = sum(1 for p in second.polls if not p.not_modified)
        naive_s, warm_s, poll_s = (statistics.median(x) for x in (naive, cycles, polls))

        print(f"feeds: {args.feeds} x {args.items} items (served by a child process, HTTP/1.1 keep-alive)")
        print(f"chipwatch first cycle (setup: feeds listed, {args.items} shared articles stored): {cold_s:.2f} s")
        print(f"{args.rounds} rounds, each: naive loop, chipwatch re-poll cycle, chipwatch poll stage alone")
        for i, (n, c, p) in enumerate(zip(naive, cycles, polls, strict=True), 1):
            print(f"  round {i}: naive {n:.2f} s, cycle {c:.2f} s ({n / c:.1f}x), poll stage {p:.2f} s ({n / p:.1f}x)")
        print(f"naive loop (fetch + feedparser.parse each), median: {naive_s:.2f} s, {naive_bytes} body bytes")
        print(
            f"chipwatch re-poll cycle, median: {warm_s:.2f} s ({warm_s / args.feeds * 1000:.2f} ms per source), "
            f"{warm['requests']} requests, {warm['not_modified']} answered 304, "
            f"{warm['bytes']} body bytes, {warm_parses} parses"
        )
        per_source = poll_s / args.feeds * 1000
        print(f"chipwatch poll stage alone, median: {poll_s:.2f} s ({per_source:.2f} ms per source)")
        ratio = naive_s / warm_s
        print(f"re-poll cycle vs naive (medians): {ratio:.1f}x faster, body bytes {warm['bytes']}/{naive_bytes}")
        print(f"poll stage vs naive (medians): {naive_s / poll_s:.1f}x faster")
    hostile = Counting()
    with LoopbackServer(hostile.handle) as server, tempfile.TemporaryDirectory() as tmp:
        hostile_peak(server.url, hostile, tmp)


def hostile_peak(base: str, site: Counting, tmp: str) -> None:
    """Peak Python memory of one cycle over the hostile set (tracemalloc)."""
    mb = 1_000_000
    site.routes.update(
        {
            "/h/big.xml": (200, {"Content-Type": "application/rss+xml"}, b"<rss>" + b"A" * (20 * mb)),
            "/h/bomb.xml": (200, {"Content-Encoding": "gzip"}, gzip.compress(b"\0" * (50 * mb), 1)),
            "/h/html.xml": (200, {"Content-Type": "application/rss+xml"}, b"<!DOCTYPE html><html></html>"),
            "/h/loop": (302, {"Location": "/h/loop2"}, b""),
            "/h/loop2": (302, {"Location": "/h/loop"}, b""),
            "/h/429": (429, {"Retry-After": "60"}, b""),
            "/h/trunc.xml": (200, {"Content-Type": "application/rss+xml"}, feed_body(base, 0, 5)[:-50]),
        }
    )
    names = ["big.xml", "bomb.xml", "html.xml", "loop", "429", "trunc.xml"]
    settings = settings_from_dict(
        {
            "database": f"sqlite:///{Path(tmp) / 'hostile.db'}",
            "sources": [{"name": n, "kind": "feed", "url": f"{base}/h/{n}"} for n in names],
            "http": {"allow_private_networks": True, "max_bytes": 5 * mb},
        }
    )
    db = open_database(settings.database)
    # The truncated feed's entries are stored from their Chinese summaries (their pages 404) and analysed:
    # load the claim engine's vocabularies first, so the peak is the hostile input's, not a one-time load.
    analyse_bytes(_DESCRIPTION.encode(), content_type="text/plain; charset=utf-8")
    tracemalloc.start()
    try:
        report = run_cycle(db, settings)
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.dispose()
    errors = sum(1 for p in report.polls if p.error)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000  # kB on Linux
    print(f"hostile cycle: {len(names)} sources, {errors} recorded errors, peak traced memory {peak / mb:.1f} MB")
    print(f"peak RSS of the whole benchmark process (upper bound for the hostile cycle): {rss:.0f} MB")


if __name__ == "__main__":
    main()
