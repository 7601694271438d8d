"""Dashboard speed at scale: p50/p95 of the claims page and /api/claims for each single filter.

Seeds N claims (default 100,000) into a fresh SQLite file and into a throwaway PostgreSQL database on the
server CHIPWATCH_TEST_PG names (bench/throwaway.py; created here, dropped at the end), then times in-process
requests through the real app (FastAPI + templates + SQLAlchemy; no network hop). Target (issue 8): p95 <= 300 ms.

    python bench/dashboard.py                      # both backends, 100k claims, 20 timed requests per row
    python bench/dashboard.py --backends sqlite --claims 20000 --repeat 10
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from throwaway import database

ENTITIES = ["NVIDIA"] * 12 + ["AMD"] * 5 + ["TSMC"] * 5 + ["Huawei"] * 3 + ["DeepSeek"] * 3 + [
    "Intel", "SMIC", "OpenAI", "Google", "Microsoft", "Meta", "Amazon", "Broadcom", "Samsung", "SK Hynix",
    "Micron", "ASML", "Arm", "CUDA", "H100", "H20", "B200", "Blackwell", "Groq", "Cerebras",
]  # fmt: skip
TOPICS = ["market", "capex", "inference", "training", "export-controls", "margins", "supply", "pricing"]
WORDS = [
    "demand",
    "supply",
    "margin",
    "capex",
    "export",
    "shares",
    "guidance",
    "cluster",
    "yield",
    "wafer",
    "packaging",
    "HBM",
    "tokens",
    "cost",
]
WORDS += [
    "暴跌",
    "蒸发",
    "市值",
    "算力",
    "推理",
    "训练",
    "出口",
    "管制",
    "毛利",
    "涨停",
    "需求",
    "产能",
    "封装",
    "良率",
]
STANCES = ["bullish", "bearish", "neutral"]
LANGUAGES = ["zh"] * 5 + ["en"] * 3 + ["ja"] * 2
SOURCES = 10
CLAIMS_PER_ARTICLE = 5

# One row per single filter (and the unfiltered list, and a deep page reached by cursor).
FILTERS: list[tuple[str, dict[str, str]]] = [
    ("(none)", {}),
    ("entity=NVIDIA", {"entity": "NVIDIA"}),
    ("entity=Cerebras (rare)", {"entity": "Cerebras"}),
    ("topic=capex", {"topic": "capex"}),
    ("stance=bullish", {"stance": "bullish"}),
    ("language=ja", {"language": "ja"}),
    ("source=source-7", {"source": "source-7"}),
    ("source=source-rare (0.2%)", {"source": "source-rare"}),
    ("min_score=0.95", {"min_score": "0.95"}),
    ("since=7d", {"since": "7d"}),
    ("until=30 days ago", {"until": "UNTIL"}),
    ("q=wafer", {"q": "wafer"}),
    ("q=no-such-text (no match)", {"q": "no-such-text"}),
    ("q=暴跌 (2 CJK chars)", {"q": "暴跌"}),
    ("q=缺芯 (2 CJK chars, no match)", {"q": "缺芯"}),
    ("q=zq (2 chars, no match)", {"q": "zq"}),
    ("entity=NVIDIA, page 40", {"entity": "NVIDIA", "cursor": "DEEP"}),
]


def seed(db_url: str, n_claims: int) -> None:
    """Bulk insert through SQLAlchemy core: sources, articles (5 claims each), claims, claim_tags and
    claim_search, filled exactly as storage.claims.add_claims fills them."""
    from sqlalchemy import insert, text

    from chipwatch.storage.claims import fold_text, tag_pairs
    from chipwatch.storage.db import open_database
    from chipwatch.storage.models import Article, Claim, ClaimSearch, ClaimTag, Source

    rnd = random.Random(8)
    db = open_database(db_url)
    now = datetime.now(UTC)
    span = timedelta(days=90)
    n_articles = max(1, n_claims // CLAIMS_PER_ARTICLE)

    def article_of(claim: int) -> int:
        return claim // CLAIMS_PER_ARTICLE % n_articles

    def source_id(article: int) -> int:
        # one article in 500 comes from source-rare: a filter that matches few rows
        return SOURCES + 1 if article % 500 == 7 else article % SOURCES + 1

    with db.engine.begin() as conn:
        names = [f"source-{i}" for i in range(SOURCES)] + ["source-rare"]
        conn.execute(
            insert(Source),
            [
                {"id": i + 1, "name": name, "kind": "feed", "url": f"http://127.0.0.1:9/{i}.xml", "status": "ok",
                 "failures": 0, "state": {}}
                for i, name in enumerate(names)
            ],
        )  # fmt: skip
        for start in range(0, n_articles, 5000):
            conn.execute(
                insert(Article),
                [
                    {
                        "id": a + 1,
                        "source_id": source_id(a),
                        "url": f"http://127.0.0.1:9/a/{a}",
                        "canonical_url": f"http://127.0.0.1:9/a/{a}",
                        "guid": str(a),
                        "title": f"article {a}",
                        "published": now - span + span * (a / n_articles),
                        "fetched_at": now - span + span * (a / n_articles),
                        "status": "processed",
                        "text": "…",
                        "language": "zh",
                    }
                    for a in range(start, min(start + 5000, n_articles))
                ],
            )
        for start in range(0, n_claims, 5000):
            claims, tags, search = [], [], []
            for c in range(start, min(start + 5000, n_claims)):
                entities = sorted(set(rnd.choices(ENTITIES, k=rnd.randint(1, 3))))
                topics = sorted(set(rnd.choices(TOPICS, k=rnd.randint(1, 2))))
                score = round(rnd.random(), 3)
                sentence = f"{entities[0]} " + " ".join(rnd.choices(WORDS, k=12)) + f" {rnd.randint(1, 99)}%"
                stance = rnd.choice(STANCES)
                created = now - span + span * (c / n_claims)
                claims.append(
                    {
                        "id": c + 1,
                        "article_id": article_of(c) + 1,
                        "fingerprint": f"{c:064d}",
                        "text": sentence,
                        "language": rnd.choice(LANGUAGES),
                        "entities": entities,
                        "topics": topics,
                        "stance": stance,
                        "quantities": [{"value": 17, "unit": "%", "text": "17%"}],
                        "score": score,
                        "notable": score >= 0.6,
                        "why": [f"entity {e}" for e in entities],
                        "created_at": created,
                        "rules_evaluated": True,
                    }
                )
                same = {"claim_id": c + 1, "created_at": created, "stance": stance}
                search.append({"claim_id": c + 1, "folded": fold_text(sentence)})
                tags += [
                    {**same, "kind": k, "value": v} for k, v in tag_pairs(entities, topics, source_id(article_of(c)))
                ]
            conn.execute(insert(Claim), claims)
            conn.execute(insert(ClaimTag), tags)
            conn.execute(insert(ClaimSearch), search)
        if conn.dialect.name == "postgresql":
            for table in ("sources", "articles", "claims"):
                conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))  # what autovacuum would do soon after a bulk load
    db.dispose()


def measure(db_url: str, repeat: int) -> list[tuple[str, float, float, float, float]]:
    """(filter, page p50, page p95, api p50, api p95) in milliseconds."""
    from fastapi.testclient import TestClient

    from chipwatch.dashboard import create_app
    from chipwatch.storage.db import open_database

    db = open_database(db_url)
    out = []
    try:
        with TestClient(create_app(db), base_url="http://127.0.0.1") as client:
            deep = _cursor_at_page(client, {"entity": "NVIDIA"}, 40)
            until = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
            for label, params in FILTERS:
                params = {k: deep if v == "DEEP" else until if v == "UNTIL" else v for k, v in params.items()}
                page = _timings(client, "/", params, repeat)
                api = _timings(client, "/api/claims", params, repeat)
                out.append((label, *_p50_p95(page), *_p50_p95(api)))
            # The per-entity view: chart of claims per day by stance over 60 days + notable numbers.
            page = _timings(client, "/entities/NVIDIA", {}, repeat)
            api = _timings(client, "/api/entities/NVIDIA/daily", {"days": "60"}, repeat)
            out.append(("/entities/NVIDIA (+ daily API)", *_p50_p95(page), *_p50_p95(api)))
    finally:
        db.dispose()
    return out


def _cursor_at_page(client, params: dict[str, str], page: int) -> str:  # type: ignore[no-untyped-def]
    cursor = ""
    for _ in range(page - 1):
        body = client.get("/api/claims", params={**params, **({"cursor": cursor} if cursor else {})}).json()
        cursor = body["next_cursor"]
    return cursor


def _timings(client, path: str, params: dict[str, str], repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    for _ in range(2):  # warm caches and the statement cache
        assert client.get(path, params=params).status_code == 200
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, params, response.text[:200])
    return times


def _p50_p95(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=20, help="timed requests per filter and endpoint")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--target-ms", type=float, default=300.0)
    args = ap.parse_args(argv)
    worst = 0.0
    for name in args.backends.split(","):
        with database(name) as url:
            t0 = time.perf_counter()
            seed(url, args.claims)
            seeded = time.perf_counter() - t0
            rows = measure(url, args.repeat)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"\n{name}: {args.claims:,} claims seeded in {seeded:.1f} s; {args.repeat} timed requests per cell (ms);"
            f" load average {load:.1f} on {os.cpu_count()} CPUs"
        )
        print(f"{'filter':<30} {'page p50':>9} {'page p95':>9} {'api p50':>9} {'api p95':>9}")
        for label, pp50, pp95, ap50, ap95 in rows:
            print(f"{label:<30} {pp50:>9.1f} {pp95:>9.1f} {ap50:>9.1f} {ap95:>9.1f}")
            worst = max(worst, pp95, ap95)
        sys.stdout.flush()
    verdict = "meets" if worst <= args.target_ms else "MISSES"
    print(f"\nworst p95 {worst:.1f} ms: {verdict} the {args.target_ms:.0f} ms target")
    return 0 if worst <= args.target_ms else 1


if __name__ == "__main__":
    sys.exit(main())
