"""Latency and throughput of the deployed, event-driven pipeline on a real local Prefect stack.

1. Throughput, with 1 and then 2 workers: a loopback feed gains `--batch` new articles at once; one
   `poll` run stores them and announces them; articles per minute = stored articles / (last
   processed - first stored).
2. Latency, with 2 workers: `--items` notable items are published to the feed one by one; a new
   `poll` run starts as soon as the previous one is over; for each item, the time from the poll
   that stores it to its alert arriving at a loopback apprise receiver. Prints p50/p95/max (target p95 <= 30 s),
   the median and p95 of each stage on the way (bench/latency_stages.py) and how many flow runs each
   deployment started meanwhile (each run is a Python process start-up competing for the cores).
   Also from publication (the item appearing in the feed), which adds the wait for the next poll.
3. Push (issue 18), same stack, with its web process (`chipwatch serve`, the WebSub callback): a second feed names
   a loopback WebSub hub (tests/websub/websub_hub.py); once the hub has verified chipwatch's subscription,
   `--push-items` items are published one by one (added to the feed, then announced at the hub, which delivers
   the signed feed to the callback). For each item, publication at the hub -> alert at the receiver: p50/p95/max
   (target p95 <= 5 s).

Everything is on loopback: Prefect server on a throwaway PostgreSQL database, throwaway application
database, feed and receiver in this process. Bounded: each phase stops at its deadline.

    python bench/latency.py [--items 60] [--interval 2] [--batch 300] [--skip-throughput]
                            [--push-items 60] [--push-interval 1] [--skip-poll-latency]
    python bench/latency.py --batch 1000 --skip-latency --runs-per-worker 1   # issue 20: 2 workers vs 1
"""

from __future__ import annotations

import argparse
import contextlib
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import psycopg
from latency_stages import item_marks, print_stages, runs_per_deployment  # bench/ is on sys.path when run as a script
from sqlalchemy import select
from throwaway import PG_ADMIN, pg_url

from chipwatch.cli.loopback import LoopbackServer
from chipwatch.cli.stack_cmd import start_stack, stop_stack
from chipwatch.storage.db import open_database
from chipwatch.storage.models import Article

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "websub"))
from push_env import notable_page
from websub_hub import Hub

NOTABLE = (
    "<html><head><meta charset='utf-8'><title>英伟达暴跌 {i}</title></head><body><article><h1>英伟达暴跌 {i}</h1>"
    "<p>美国科技股本周遭到重创，英伟达股价暴跌近17%，市值单日蒸发近6000亿美元，创下美国上市公司单日市值损失的纪录。</p>"
    "</article></body></html>"
)
PLAIN = (
    "<html><head><meta charset='utf-8'><title>Note {i}</title></head><body><article><h1>Chip note {i}</h1>"
    "<p>Packaging capacity at the plant will grow next year, according to people familiar with plan {i}.</p>"
    "</article></body></html>"
)


class Feed:
    """A loopback RSS feed whose items the benchmark adds while the stack polls it."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.push_items: list[str] = []  # the second feed, /push.xml, which names `hub_url` as its hub
        self.hub_url = ""
        self.pages: dict[str, bytes] = {}
        self.published: dict[str, float] = {}  # slug -> when it appeared in its feed
        self.lock = threading.Lock()
        self.server = LoopbackServer(self.handle)

    def add(self, slug: str, html: str, *, push: bool = False) -> None:
        with self.lock:
            self.pages[f"/p/{slug}.html"] = html.encode()
            (self.push_items if push else self.items).append(slug)
            self.published[slug] = time.time()

    def handle(self, req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        path = req.path.split("?")[0]
        with self.lock:
            if path == "/feed.xml":
                items = "".join(
                    f"<item><title>{s}</title><link>{self.server.url}/p/{s}.html</link><guid>{s}</guid></item>"
                    for s in self.items[-1000:]
                )
                body = f'<rss version="2.0"><channel><title>bench</title>{items}</channel></rss>'.encode()
                return 200, {"Content-Type": "application/rss+xml"}, body
            if path == "/push.xml":
                items = "".join(
                    f"<item><title>{s}</title><link>{self.server.url}/p/{s}.html</link><guid>{s}</guid></item>"
                    for s in self.push_items[-50:]
                )
                links = (
                    f'<atom:link rel="hub" href="{self.hub_url}"/>'
                    f'<atom:link rel="self" href="{self.server.url}/push.xml"/>'
                )
                body = (
                    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>push</title>'
                    f"{links}{items}</channel></rss>"
                ).encode()
                return 200, {"Content-Type": "application/rss+xml"}, body
            page = self.pages.get(path)
        if page is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page


class Inbox:
    """A json:// receiver that notes when each alert's article link arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.count = 0
        self.lock = threading.Lock()
        self.server = LoopbackServer(self.handle)

    def handle(self, req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        now = time.time()
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        match = re.search(r"/p/([\w-]+)\.html", body)
        with self.lock:
            self.count += 1
            if match:
                self.arrived.setdefault(match.group(1), now)
        return 200, {"Content-Type": "application/json"}, b"{}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trigger_poll(api_url: str) -> str:
    with httpx.Client(base_url=api_url, timeout=10) as client:
        dep = client.get("/deployments/name/poll/poll").json()
        run = client.post(f"/deployments/{dep['id']}/create_flow_run", json={"parameters": {"only_due": False}})
        return run.json()["id"]


def finished(api_url: str, run_id: str) -> bool:
    state = httpx.get(f"{api_url}/flow_runs/{run_id}", timeout=10).json().get("state") or {}
    return state.get("type") in {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


def stored_times(db, prefix: str) -> list[tuple[str, datetime, datetime | None, str]]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        rows = s.execute(
            select(Article.guid, Article.fetched_at, Article.processed_at, Article.status).where(
                Article.guid.startswith(prefix)
            )
        ).all()
    return [tuple(r) for r in rows]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Bench:
    def __init__(
        self,
        workers: int,
        feed: Feed,
        inbox: Inbox,
        cores_per_run: int | None = None,
        runs_per_worker: int = 2,
        hub: Hub | None = None,
    ) -> None:
        self.cores_per_run, self.runs_per_worker = cores_per_run, runs_per_worker
        tag = uuid.uuid4().hex[:8]
        self.app, self.prefect = f"chipwatch_bench_app_{tag}", f"chipwatch_bench_prefect_{tag}"
        self.workers, self.feed, self.inbox, self.hub = workers, feed, inbox, hub
        self.web_port = free_port() if hub is not None else None
        self.home = Path(tempfile.mkdtemp(prefix="chipwatch-bench-"))

    def __enter__(self) -> Bench:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.app}"')
        app_url = pg_url(self.app)
        config = self.home / "chipwatch.yaml"
        push = ""
        if self.hub is not None:
            push = f"  - {{name: push-feed, kind: feed, url: '{self.feed.server.url}/push.xml', every: 1h}}\n"
        config.write_text(
            f"database: {app_url}\n"
            f"sources:\n  - {{name: bench-feed, kind: feed, url: '{self.feed.server.url}/feed.xml', every: 1h}}\n"
            + push
            + f"alerts:\n  - {{name: bench, min_score: 0.5, notify: ['json://{self.inbox.server.url[7:]}/hook']}}\n"
            "http: {allow_private_networks: true}\n"
            + (f"processing: {{workers: {self.cores_per_run}}}\n" if self.cores_per_run else "")
            + (f"public_url: http://127.0.0.1:{self.web_port}\n" if self.web_port else ""),
            encoding="utf-8",
        )
        self.db = open_database(app_url)
        started = time.monotonic()
        prefect_db = pg_url(self.prefect, driver="asyncpg")
        self.state = start_stack(
            str(config),
            workers=self.workers,
            runs_per_worker=self.runs_per_worker,
            home=self.home,
            port=free_port(),
            prefect_db=prefect_db,
            say=None,
            web_port=self.web_port,
        )
        print(f"stack with {self.workers} worker(s) up in {time.monotonic() - started:.0f} s", flush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        stop_stack(self.home, say=None)
        self.db.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in (self.app, self.prefect):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def throughput(self, n: int, deadline: float) -> float | None:
        prefix = f"tp{self.workers}-{uuid.uuid4().hex[:6]}-"
        for i in range(n):
            self.feed.add(f"{prefix}{i}", PLAIN.format(i=i))
        trigger_poll(self.state.api_url)
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            rows = stored_times(self.db, prefix)
            if len(rows) == n and all(r[3] != "new" for r in rows):
                first = min(r[1] for r in rows)
                last = max(r[2] or r[1] for r in rows)
                per_min = n / max((last - first).total_seconds(), 1e-3) * 60
                print(
                    f"throughput, {self.workers} worker(s): {n} articles in {(last - first).total_seconds():.1f} s "
                    f"= {per_min:.0f} articles/min (stored -> processed)",
                    flush=True,
                )
                return per_min
            time.sleep(1)
        print(f"throughput, {self.workers} worker(s): not finished within {deadline:.0f} s", flush=True)
        return None

    def latency(self, items: int, interval: float, poll_every: float, deadline: float) -> list[float]:
        prefix = f"lat-{uuid.uuid4().hex[:6]}-"
        since = datetime.now(UTC)
        stop = threading.Event()

        def poller() -> None:
            # The next poll starts once the last one is over (a poll as frequent as the stack can run).
            last = None
            while not stop.wait(poll_every):
                if last is None or finished(self.state.api_url, last):
                    last = trigger_poll(self.state.api_url)

        thread = threading.Thread(target=poller, daemon=True)
        thread.start()
        try:
            for i in range(items):
                self.feed.add(f"{prefix}{i}", NOTABLE.format(i=i))
                time.sleep(interval)
            end = time.monotonic() + deadline
            while time.monotonic() < end:
                with self.inbox.lock:
                    done = sum(1 for k in self.inbox.arrived if k.startswith(prefix))
                if done >= items:
                    break
                time.sleep(1)
        finally:
            stop.set()
        seen = {guid: fetched for guid, fetched, _, _ in stored_times(self.db, prefix)}
        with self.inbox.lock:
            arrived = {k: v for k, v in self.inbox.arrived.items() if k.startswith(prefix)}
        lat = [arrived[g] - seen[g].timestamp() for g in arrived if g in seen]
        missing = items - len(lat)
        if lat:
            print(
                f"latency over {len(lat)} items (poll stores item -> alert at receiver): "
                f"p50 {statistics.median(lat):.1f} s, p95 {percentile(lat, 95):.1f} s, max {max(lat):.1f} s"
                + (f"; {missing} items without an alert by the deadline" if missing else ""),
                flush=True,
            )
            report("polled: publication in the feed -> alert at receiver", arrived, self.feed.published, items)
            print_stages(item_marks(self.db, self.state.api_url, prefix, arrived, since))
            runs = runs_per_deployment(self.state.api_url, since)
            print("flow runs started meanwhile: " + ", ".join(f"{k} {v}" for k, v in sorted(runs.items())), flush=True)
        return lat

    def push_latency(self, items: int, interval: float, deadline: float) -> list[float]:
        """Publication at the hub -> alert at the receiver, for a source the hub pushes."""
        assert self.hub is not None
        topic = f"{self.feed.server.url}/push.xml"
        self.feed.add(f"push-warmup-{uuid.uuid4().hex[:6]}", notable_page("warm").decode(), push=True)
        run = trigger_poll(self.state.api_url)  # finds the hub in the feed and subscribes (the `poll` flow)
        started = time.monotonic()
        if not self.hub.wait_for(lambda: bool(self.hub.live(topic)), timeout=240):  # type: ignore[union-attr]
            print(f"push: no verified subscription within 240 s (poll run {run}); skipped", flush=True)
            return []
        print(
            f"push: subscription verified {time.monotonic() - started:.0f} s after the poll was triggered", flush=True
        )
        time.sleep(10)  # let that poll's own processing of the warm-up item finish
        prefix = f"push-{uuid.uuid4().hex[:6]}-"
        published: dict[str, float] = {}
        for i in range(items):
            slug = f"{prefix}{i}"
            self.feed.add(slug, notable_page(slug).decode(), push=True)
            published[slug] = time.time()
            threading.Thread(target=self.hub.publish, args=(topic,), daemon=True).start()
            time.sleep(interval)
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            with self.inbox.lock:
                if sum(1 for k in self.inbox.arrived if k.startswith(prefix)) >= items:
                    break
            time.sleep(0.5)
        with self.inbox.lock:
            arrived = {k: v for k, v in self.inbox.arrived.items() if k.startswith(prefix)}
        answers = Counter(str(d.status) for d in self.hub.deliveries if d.published_at >= min(published.values()))
        stored = Counter(row[3] for row in stored_times(self.db, prefix))
        print(f"push: hub deliveries by answer {dict(answers)}; articles by status {dict(stored)}", flush=True)
        return report(
            "push: publication at the hub -> alert at receiver (target p95 <= 5 s)", arrived, published, items
        )


def report(label: str, arrived: dict[str, float], published: dict[str, float], items: int) -> list[float]:
    lat = [arrived[k] - published[k] for k in arrived if k in published]
    if not lat:
        print(f"{label}: no alert arrived", flush=True)
        return lat
    missing = items - len(lat)
    print(
        f"{label}, {len(lat)} items: p50 {statistics.median(lat):.2f} s, p95 {percentile(lat, 95):.2f} s, "
        f"max {max(lat):.2f} s" + (f"; {missing} items without an alert by the deadline" if missing else ""),
        flush=True,
    )
    return lat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=60, help="notable items published for the latency run")
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between published items")
    ap.add_argument("--poll-every", type=float, default=2.0, help="seconds between checks for the next poll run")
    ap.add_argument("--batch", type=int, default=300, help="articles for each throughput run")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-latency", action="store_true", help="skip both latency runs (poll and push)")
    ap.add_argument(
        "--cores-per-run",
        type=int,
        default=1,
        help="processing.workers for each flow run (1: a Prefect worker uses one core, so the throughput "
        "phase measures scaling by workers, as across machines; 0: the default, every core)",
    )
    ap.add_argument("--runs-per-worker", type=int, default=2, help="flow runs each worker may run at once")
    ap.add_argument("--skip-poll-latency", action="store_true")
    ap.add_argument("--push-items", type=int, default=60, help="items published through the hub (0: no push run)")
    ap.add_argument("--push-interval", type=float, default=1.0, help="seconds between pushed items")
    args = ap.parse_args()
    cores = args.cores_per_run or None
    feed, inbox = Feed(), Inbox()
    hub = Hub(default_lease=3600) if args.push_items else None
    with feed.server, inbox.server, hub or contextlib.nullcontext():
        feed.hub_url = hub.url if hub else ""
        rates = {}
        if not args.skip_throughput:
            with Bench(1, feed, inbox, cores, args.runs_per_worker) as one:
                rates[1] = one.throughput(args.batch, deadline=300)
        with Bench(2, feed, inbox, cores, args.runs_per_worker, hub) as two:
            if not args.skip_throughput:
                rates[2] = two.throughput(args.batch, deadline=300)
            if not (args.skip_latency or args.skip_poll_latency):
                two.latency(args.items, args.interval, args.poll_every, deadline=180)
            if hub is not None and not args.skip_latency:
                two.push_latency(args.push_items, args.push_interval, deadline=120)
        if rates.get(1) and rates.get(2):
            print(f"2 workers / 1 worker: x{rates[2] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
