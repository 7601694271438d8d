"""The overview's numbers on SQLite and PostgreSQL: notable claims per entity in 24 h and 7 days, a 30-day
sparkline each, withdrawn and old claims left out, source health, alerts of the last day."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from chipwatch.storage.db import Database
from chipwatch.storage.models import Claim, ClaimTag
from chipwatch.storage.overview import notable_per_day, top_entities
from chipwatch.storage.types import utcnow


def _age(db: Database, text_start: str, days: float) -> None:
    """Make the claim starting with `text_start` `days` old (its tags too)."""
    when = utcnow() - timedelta(days=days)
    with db.session() as s, s.begin():
        claim_id = s.scalars(select(Claim.id).where(Claim.text.startswith(text_start))).one()
        s.execute(update(Claim).where(Claim.id == claim_id).values(created_at=when))
        s.execute(update(ClaimTag).where(ClaimTag.claim_id == claim_id).values(created_at=when))


def test_counts_per_entity_by_day_and_week(db: Database, client: TestClient) -> None:
    now = utcnow()
    _age(db, "DeepSeek训练成本", 3)  # names DeepSeek and NVIDIA: in the week, not the day
    _age(db, "TSMC raised capex", 10)  # older than a week: only the sparkline keeps it
    with db.session() as s:
        counts = {e.entity: (e.day, e.week) for e in top_entities(s, now - timedelta(days=1), now - timedelta(days=7))}
        daily = notable_per_day(s, ["NVIDIA", "TSMC"], now - timedelta(days=30))
    # NVIDIA: the zh claim and the hostile article's claim today, the DeepSeek one 3 days ago.
    assert counts == {"NVIDIA": (2, 3), "DeepSeek": (0, 1)}
    assert sorted(daily["NVIDIA"].values()) == [1, 2] and sum(daily["TSMC"].values()) == 1

    page = client.get("/")  # the home page
    assert page.status_code == 200 and client.get("/overview").text == page.text
    assert 'href="/claims"' in page.text  # the claims list one click away
    assert '<form class="filters"' in client.get("/", params={"entity": "NVIDIA"}).text  # old links: the list
    html = page.text
    assert re.search(r'<span class="big">2</span> notable claims in 24 h', html)
    assert re.search(r'<span class="big">3</span> in 7 days', html)
    assert html.count('<svg class="spark"') == 2  # NVIDIA and DeepSeek
    assert 'aria-label="3 notable claims in 30 days, at most 2 a day' in html  # NVIDIA's line
    assert "英伟达股价暴跌17%" in html  # the newest notable claims
    assert 'href="/sources/zh-forum"' in html and "never polled" in html
    assert re.search(r'<span class="big">\d+</span> alerts sent in 24 h', html)


def test_withdrawn_claims_leave_the_overview(db: Database, client: TestClient) -> None:
    with db.session() as s, s.begin():
        s.execute(update(Claim).where(Claim.text.startswith("英伟达股价暴跌")).values(withdrawn_at=utcnow()))
    html = client.get("/overview").text
    assert "英伟达股价暴跌17%" not in html
    assert 'aria-label="2 notable claims in 30 days' in html


def test_an_empty_database_has_an_overview_too(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from chipwatch.dashboard import create_app
    from chipwatch.storage.db import open_database

    db = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        html = TestClient(create_app(db)).get("/overview").text
        assert "No notable claims in the last 7 days." in html and "No sources yet." in html
    finally:
        db.dispose()
