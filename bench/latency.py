"""Latency and throughput of the deployed, event-driven pipeline on a real local Prefect stack.

1. Throughput, with 1 and then 2 workers: a loopback feed gains `--batch` new articles at once; one
   `poll` run stores them and announces them; articles per minute = stored articles / (last
   processed - first stored).
2. Latency, with 2 workers: `--items` notable items are published to the feed one by one; a new
   `poll` run starts as soon as the previous one is over; for each item, the time from the poll
   that stores it to its alert arriving at a loopback apprise receiver. Prints p50/p95/max (target p95 <= 30 s),
   the median and p95 of each stage on the way (bench/latency_stages.py) and how many flow runs each
   deployment started meanwhile (each run is a Python process start-up competing for the cores).

Everything is on loopback: Prefect server on a throwaway PostgreSQL database, throwaway application
database, feed and receiver in this process. Bounded: each phase stops at its deadline.

    python bench/latency.py [--items 60] [--interval 2] [--batch 300] [--skip-throughput]
    python bench/latency.py --batch 1000 --skip-latency --runs-per-worker 1   # issue 20: 2 workers vs 1
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import tempfile
import threading
import time
import uuid
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
        self.pages: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.server = LoopbackServer(self.handle)

    def add(self, slug: str, html: str) -> None:
        with self.lock:
            self.pages[f"/p/{slug}.html"] = html.encode()
            self.items.append(slug)

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
        self, workers: int, feed: Feed, inbox: Inbox, cores_per_run: int | None = None, runs_per_worker: int = 2
    ) -> None:
        self.cores_per_run, self.runs_per_worker = cores_per_run, runs_per_worker
        tag = uuid.uuid4().hex[:8]
        self.app, self.prefect = f"chipwatch_bench_app_{tag}", f"chipwatch_bench_prefect_{tag}"
        self.workers, self.feed, self.inbox = workers, feed, inbox
        self.home = Path(tempfile.mkdtemp(prefix="chipwatch-bench-"))

    def __enter__(self) -> Bench:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.app}"')
        app_url = pg_url(self.app)
        config = self.home / "chipwatch.yaml"
        config.write_text(
            f"database: {app_url}\n"
            f"sources:\n  - {{name: bench-feed, kind: feed, url: '{self.feed.server.url}/feed.xml', every: 1h}}\n"
            f"alerts:\n  - {{name: bench, min_score: 0.5, notify: ['json://{self.inbox.server.url[7:]}/hook']}}\n"
            "http: {allow_private_networks: true}\n"
            + (f"processing: {{workers: {self.cores_per_run}}}\n" if self.cores_per_run else ""),
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
            print_stages(item_marks(self.db, self.state.api_url, prefix, arrived, since))
            runs = runs_per_deployment(self.state.api_url, since)
            print("flow runs started meanwhile: " + ", ".join(f"{k} {v}" for k, v in sorted(runs.items())), flush=True)
        return lat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=60, help="notable items published for the latency run")
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between published items")
    ap.add_argument("--poll-every", type=float, default=2.0, help="seconds between checks for the next poll run")
    ap.add_argument("--batch", type=int, default=300, help="articles for each throughput run")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument(
        "--cores-per-run",
        type=int,
        default=1,
        help="processing.workers for each flow run (1: a Prefect worker uses one core, so the throughput "
        "phase measures scaling by workers, as across machines; 0: the default, every core)",
    )
    ap.add_argument("--runs-per-worker", type=int, default=2, help="flow runs each worker may run at once")
    args = ap.parse_args()
    cores = args.cores_per_run or None
    feed, inbox = Feed(), Inbox()
    with feed.server, inbox.server:
        rates = {}
        if not args.skip_throughput:
            with Bench(1, feed, inbox, cores, args.runs_per_worker) as one:
                rates[1] = one.throughput(args.batch, deadline=300)
        with Bench(2, feed, inbox, cores, args.runs_per_worker) as two:
            if not args.skip_throughput:
                rates[2] = two.throughput(args.batch, deadline=300)
            if not args.skip_latency:
                two.latency(args.items, args.interval, args.poll_every, deadline=180)
        if rates.get(1) and rates.get(2):
            print(f"2 workers / 1 worker: x{rates[2] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
