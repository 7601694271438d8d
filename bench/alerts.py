"""Alerting benchmark: 10,000 notable claims against 20 rules and a loopback json:// receiver.

Measures (1) evaluating the rules and enqueuing the outbox rows (templates rendered, rows inserted, claims
marked, all in the enqueue transactions), against a baseline of the bare rule matching over the same claims in
memory; (2) delivery throughput of `deliver_due` (claim, apprise send, record) against a baseline of bare
apprise sends of the same messages to the same receiver. Bounded: well under two minutes on 2 cores.

    python bench/alerts.py [--claims 10000] [--deliver 1000] [--backend sqlite|postgresql]

PostgreSQL: a throwaway database on the server CHIPWATCH_TEST_PG names (bench/throwaway.py).
"""

from __future__ import annotations

import argparse
import random
import time

from sqlalchemy import func, insert, select
from throwaway import BACKENDS, database

from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.enqueue import enqueue_alerts, facts
from chipwatch.alerts.notify import native_format, send
from chipwatch.alerts.rules import rule_matches
from chipwatch.cli.loopback import LoopbackServer, Receiver
from chipwatch.config import settings_from_dict
from chipwatch.storage.claims import claim_fingerprint, claims_awaiting_rules
from chipwatch.storage.db import open_database
from chipwatch.storage.models import Alert, Article, Claim, Source
from chipwatch.storage.types import utcnow

ENTITIES = [
    *("NVIDIA", "AMD", "Intel", "TSMC", "SMIC", "Huawei", "DeepSeek", "OpenAI", "Google", "Microsoft"),
    *("Meta", "Amazon", "Alibaba", "Broadcom", "Samsung", "SK Hynix", "Micron", "ASML", "Arm", "Groq"),
]
TOPICS = ["market", "capex", "inference", "export-controls", "margins"]
STANCES = ["bullish", "bearish", "neutral"]
PER_ARTICLE = 100


def make_claims(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        entity = ENTITIES[i % len(ENTITIES)]
        quantities = []
        if i % 3 == 0:
            quantities.append({"value": rng.choice([5e8, 2e9, 6e11]), "unit": "USD", "text": "6000亿美元"})
        if i % 4 == 0:
            quantities.append({"value": rng.randint(1, 30), "unit": "%", "text": "17%"})
        out.append(
            {
                "text": f"{entity} 相关声明 {i}: 市值单日蒸发6000亿美元，股价暴跌17%",
                "entities": [entity],
                "topics": [TOPICS[i % len(TOPICS)]],
                "stance": STANCES[i % 3],
                "quantities": quantities,
                "score": round(0.6 + rng.random() * 0.4, 2),
                "notable": True,
                "why": [f"entity {entity}", "cue 暴跌"],
            }
        )
    return out


def rules_for(target: str) -> list[dict]:
    """20 rules, one per entity; some add topic, stance or quantity conditions."""
    rules = []
    for i, entity in enumerate(ENTITIES):
        rule: dict = {"name": f"r{i:02d}-{entity}", "min_score": 0.6, "entities": [entity], "notify": ["hook"]}
        if i % 4 == 1:
            rule["stance"] = ["bearish", "neutral"]
        if i % 4 == 2:
            rule["quantities"] = [{"unit": "USD", "gte": 1e9}]
        if i % 4 == 3:
            rule["topics"] = TOPICS[:3]
        rules.append(rule)
    return rules


def store(db, claims: list[dict]) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with db.session() as session, session.begin():
        src = Source(name="bench", kind="feed", url="http://127.0.0.1:9/feed.xml", state={})
        session.add(src)
        session.flush()
        for start in range(0, len(claims), PER_ARTICLE):
            url = f"http://127.0.0.1:9/bench/{start}.html"
            art = Article(source_id=src.id, url=url, canonical_url=url, title=f"Bench {start}", status="processed")
            session.add(art)
            session.flush()
            rows = [
                {"article_id": art.id, "fingerprint": claim_fingerprint(url, c["text"]), "language": "zh",
                 "created_at": now, "rules_evaluated": False, **c}
                for c in claims[start : start + PER_ARTICLE]
            ]  # fmt: skip
            session.connection().execute(insert(Claim), rows)  # one executemany: storing is not what we measure


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=10_000)
    ap.add_argument("--deliver", type=int, default=1000, help="outbox rows to deliver for the throughput figure")
    ap.add_argument("--backend", choices=BACKENDS, default="sqlite", help="a throwaway database on this backend")
    args = ap.parse_args()

    receiver = Receiver()
    server = LoopbackServer(receiver.handle)
    with server, database(args.backend) as url:
        target = f"json://{server.url.removeprefix('http://')}/hook?cto=2&rto=5"
        settings = settings_from_dict({"alerts": {"targets": {"hook": target}, "rules": rules_for(target)}})
        db = open_database(url)
        try:
            t = time.perf_counter()
            store(db, make_claims(args.claims, random.Random(7)))
            stored_s = time.perf_counter() - t

            # baseline: the bare rule matching over the same claims, in memory
            with db.session() as session:
                loaded = [facts(c) for c in claims_awaiting_rules(session, limit=args.claims)]
            t = time.perf_counter()
            matches = sum(1 for c in loaded for r in settings.alerts.rules if rule_matches(r, c))
            match_s = time.perf_counter() - t

            native_format(target)  # apprise loads its plugins once per process (~1-2 s): not per alert
            t = time.perf_counter()
            queued = len(enqueue_alerts(db, settings.alerts))
            enqueue_s = time.perf_counter() - t
            t = time.perf_counter()
            again = len(enqueue_alerts(db, settings.alerts))
            rerun_s = time.perf_counter() - t

            # baseline: bare apprise sends of `deliver` messages to the same receiver
            with db.session() as session:
                sample = list(session.execute(select(Alert.title, Alert.body).order_by(Alert.id).limit(args.deliver)))
            t = time.perf_counter()
            for title, body in sample:
                assert send(target, title, body) is None
            bare_s = time.perf_counter() - t

            t = time.perf_counter()
            report = deliver_due(db, settings.alerts, limit=args.deliver)
            deliver_s = time.perf_counter() - t
            with db.session() as session:
                sent = session.execute(select(func.count()).where(Alert.state == "sent")).scalar_one()
        finally:
            db.dispose()

    n = len(sample)
    print(f"database: {db.engine.url.get_backend_name()}; {args.claims} claims stored in {stored_s:.1f} s")
    print(f"rule matches: {matches} ({len(settings.alerts.rules)} rules); outbox rows queued: {queued}")
    print(f"bare rule matching (in memory):     {match_s * 1000:8.1f} ms  ({args.claims / match_s:,.0f} claims/s)")
    print(
        f"evaluate + render + enqueue:        {enqueue_s * 1000:8.1f} ms  ({args.claims / enqueue_s:,.0f} claims/s, "
        f"{queued / enqueue_s:,.0f} rows/s); ratio to bare matching {enqueue_s / match_s:,.0f}x"
    )
    print(f"rerun of enqueue (nothing new):     {rerun_s * 1000:8.1f} ms  ({again} rows)")
    print(f"bare apprise sends:                 {bare_s:8.2f} s   ({n / bare_s:,.0f} alerts/s)")
    print(
        f"deliver_due (claim, send, record):  {deliver_s:8.2f} s   ({report.sent / deliver_s:,.0f} alerts/s); "
        f"ratio to bare sends {deliver_s / bare_s:.2f}x"
    )
    assert report.sent == n == sent, (report.sent, n, sent)
    assert len(receiver.received) == 2 * n


if __name__ == "__main__":
    main()
