"""Where an item's latency goes: its path from the poll that stores it to the alert at the receiver.

Derived after the run from timestamps that exist anyway, so measuring changes nothing: the article,
claim and alert rows in the application database, the `chipwatch.article.new` events and the state
history of `process` flow runs in the Prefect API, and the receiver's arrival times.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import select

from chipwatch.storage.models import Alert, Article, Claim

# (label, start mark, end mark): consecutive, so the stage medians add up to about the whole.
STAGES = [
    ("poll stores article -> event emitted", "stored", "event"),
    ("event -> process run created (trigger)", "event", "created"),
    ("run created -> worker takes it (pending)", "created", "pending"),
    ("pending -> flow code runs (subprocess start)", "pending", "running"),
    ("flow runs -> article analysed and stored", "running", "analysed"),
    ("analysed -> alert queued", "analysed", "queued"),
    ("alert queued -> alert received", "queued", "received"),
]


@dataclass
class ItemMarks:
    guid: str
    marks: dict[str, float]


def _ts(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def article_events(client: httpx.Client, since: datetime) -> dict[int, float]:
    """Article id -> when the first `chipwatch.article.new` naming it occurred."""
    body = {
        "filter": {"event": {"name": ["chipwatch.article.new"]}, "occurred": {"since": since.isoformat()}},
        "limit": 50,
    }
    page = client.post("/events/filter", json=body).json()
    out: dict[int, float] = {}
    while True:
        for event in page.get("events", []):
            occurred = _ts(event["occurred"])
            for article_id in event.get("payload", {}).get("article_ids", []):
                out[article_id] = min(out.get(article_id, occurred), occurred)
        if not page.get("next_page"):
            return out
        page = client.get(page["next_page"]).json()


def process_runs(client: httpx.Client) -> dict[int, dict[str, float | None]]:
    """Article id -> created/pending/running times of the first `process` run whose parameters name it."""
    dep = client.get("/deployments/name/process/process").json()
    runs, offset = [], 0
    while True:
        filt = {"deployments": {"id": {"any_": [dep["id"]]}}, "limit": 200, "offset": offset}
        page = client.post("/flow_runs/filter", json=filt).json()
        runs += page
        if len(page) < 200:
            break
        offset += 200
    out: dict[int, dict[str, float | None]] = {}
    for run in sorted(runs, key=lambda r: r["created"]):
        ids = (run.get("parameters") or {}).get("article_ids") or []
        if not ids or all(i in out for i in ids):
            continue
        states = client.get("/flow_run_states/", params={"flow_run_id": run["id"]}).json()
        first = {}
        for state in sorted(states, key=lambda s: s["timestamp"]):
            first.setdefault(state["type"], _ts(state["timestamp"]))
        marks = {"created": _ts(run["created"]), "pending": first.get("PENDING"), "running": first.get("RUNNING")}
        for i in ids:
            out.setdefault(i, marks)
    return out


def runs_per_deployment(api_url: str, since: datetime) -> dict[str, int]:
    """How many flow runs of each deployment started since `since`: each is a process start-up."""
    with httpx.Client(base_url=api_url, timeout=30) as client:
        deps = {d["id"]: d["name"] for d in client.post("/deployments/filter", json={}).json()}
        counts: dict[str, int] = {}
        offset = 0
        while True:
            filt = {"flow_runs": {"start_time": {"after_": since.isoformat()}}, "limit": 200, "offset": offset}
            page = client.post("/flow_runs/filter", json=filt).json()
            for run in page:
                if not run.get("start_time"):  # scheduled ahead, not started
                    continue
                name = deps.get(run.get("deployment_id"), "other")
                counts[name] = counts.get(name, 0) + 1
            if len(page) < 200:
                return counts
            offset += 200


def item_marks(db, api_url: str, prefix: str, arrived: dict[str, float], since: datetime) -> list[ItemMarks]:  # type: ignore[no-untyped-def]
    """Every mark known for each item with the given guid prefix."""
    with db.session() as s:
        rows = s.execute(
            select(Article.id, Article.guid, Article.fetched_at, Article.processed_at).where(
                Article.guid.startswith(prefix)
            )
        ).all()
        queued: dict[int, datetime] = {}
        for article_id, created in s.execute(
            select(Claim.article_id, Alert.created_at).join(Alert, Alert.claim_id == Claim.id)
        ).all():
            if article_id not in queued or created < queued[article_id]:
                queued[article_id] = created
    with httpx.Client(base_url=api_url, timeout=30) as client:
        events = article_events(client, since)
        runs = process_runs(client)
    items = []
    for article_id, guid, fetched, processed in rows:
        marks: dict[str, float | None] = {
            "stored": fetched.timestamp(),
            "event": events.get(article_id),
            **runs.get(article_id, {}),
            "analysed": processed.timestamp() if processed else None,
            "queued": queued[article_id].timestamp() if article_id in queued else None,
            "received": arrived.get(guid),
        }
        items.append(ItemMarks(guid, {k: v for k, v in marks.items() if v is not None}))
    return items


def stage_figures(items: list[ItemMarks]) -> list[tuple[str, float, float, int]]:
    """(stage, median s, p95 s, items measured) for each stage both of whose marks are known."""
    out = []
    for label, start, end in STAGES:
        spans = sorted(m.marks[end] - m.marks[start] for m in items if start in m.marks and end in m.marks)
        if spans:
            p95 = spans[min(len(spans) - 1, round(0.95 * (len(spans) - 1)))]
            out.append((label, statistics.median(spans), p95, len(spans)))
    return out


def print_stages(items: list[ItemMarks]) -> None:
    print("stage breakdown over items:                        median     p95", flush=True)
    for label, median, p95, n in stage_figures(items):
        print(f"  {label:<48} {median:6.1f} s {p95:6.1f} s  (n={n})", flush=True)
