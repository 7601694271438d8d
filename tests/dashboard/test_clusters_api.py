"""Clusters through the JSON API and the pages, on SQLite and PostgreSQL: members, languages, sources, values,
contradictions with both sides, the timeline, source track records, cluster_id on claims and exports."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from chipwatch.dashboard import create_app
from chipwatch.storage.db import Database
from chipwatch.storage.export import export_rows

from .clustered import B, Clustered, seed_clusters


@pytest.fixture
def seeded(db: Database) -> Clustered:
    return seed_clusters(db)


@pytest.fixture
def api(db: Database, seeded: Clustered) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url="http://127.0.0.1") as c:
        yield c


def test_one_fact_is_one_cluster_with_members_languages_sources_and_values(api: TestClient, seeded: Clustered) -> None:
    items = api.get("/api/clusters", params={"entity": "NVIDIA", "metric": "revenue"}).json()["items"]
    assert [(i["period"], i["value"], i["size"]) for i in items] == [
        ("FY2026Q3", 54 * B, 1),
        ("FY2026Q2", 44 * B, 1),
        ("FY2026Q2", 46.7 * B, 3),
    ]
    fact = items[-1]
    assert fact["languages"] == ["en", "ja", "zh"] and fact["source_count"] == 3
    assert fact["sources"] == ["cn-wire", "jp-daily", "us-wire"] and fact["first_source"] == "cn-wire"
    assert fact["values"] == [46.7 * B, 46.74 * B] and fact["first_seen"]
    assert [m["id"] for m in fact["members"]] == seeded.fact_claims
    assert {m["cluster_id"] for m in fact["members"]} == {fact["id"]}
    assert fact["members"][0]["source"] == "cn-wire"


def test_filters_contradictions_since_and_paging(api: TestClient, seeded: Clustered) -> None:
    contradicted = api.get("/api/clusters", params={"contradictions": "true"}).json()["items"]
    assert sorted(i["value"] for i in contradicted) == [44 * B, 46.7 * B]
    assert api.get("/api/clusters", params={"entity": "AMD"}).json()["items"] == []
    assert len(api.get("/api/clusters", params={"since": "36h"}).json()["items"]) == 2  # seen in the last 36 hours
    first = api.get("/api/clusters", params={"limit": 3}).json()
    second = api.get("/api/clusters", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(ids) == 4 == len(set(ids)) and second["next_cursor"] is None
    bad = api.get("/api/clusters", params={"contradictions": "maybe"})
    assert bad.status_code == 400 and "contradictions" in bad.json()["detail"]
    assert api.get("/api/clusters", params={"since": "yesterday"}).status_code == 400


def test_contradiction_has_both_sides_and_their_sources(api: TestClient, seeded: Clustered) -> None:
    (item,) = api.get("/api/contradictions").json()["items"]
    assert (item["kind"], item["entity"], item["metric"], item["period"]) == ("value", "NVIDIA", "revenue", "FY2026Q2")
    a, b = item["sides"]
    assert a["cluster"]["value"] == 46.7 * B and a["cluster"]["sources"] == ["cn-wire", "jp-daily", "us-wire"]
    assert b["cluster"]["value"] == 44 * B and b["claim"]["id"] == seeded.estimate and b["claim"]["source"] == "forum"
    assert a["claim"]["id"] == seeded.fact_claims[0]


def test_timeline_lists_values_over_time_with_sources(api: TestClient, seeded: Clustered) -> None:
    body = api.get("/api/timeline", params={"entity": "NVIDIA", "metric": "revenue"}).json()
    got = [(p["period"], p["value"], p["sources"]) for p in body["points"]]
    assert got[-1] == ("FY2026Q3", 54 * B, ["us-wire"])  # stated two days after the Q2 figures
    assert sorted(got[:2]) == [
        ("FY2026Q2", 44 * B, ["forum"]),
        ("FY2026Q2", 46.7 * B, ["cn-wire", "jp-daily", "us-wire"]),
    ]
    assert body["points"][-1]["first_claim"]["id"] == seeded.next_quarter
    assert api.get("/api/timeline").status_code in (400, 422)  # entity is required


def test_sources_carry_their_track_record(api: TestClient, seeded: Clustered) -> None:
    records = {s["name"]: s["track_record"] for s in api.get("/api/sources").json()["items"]}
    # cn-wire said the fact first and two other sources said it after: first and confirmed; it is on a side
    # of the contradiction, as is the forum's estimate.
    assert records["cn-wire"] == {"claims": 2, "first": 2, "confirmed": 1, "contradicted": 1}
    assert records["jp-daily"] == {"claims": 1, "first": 0, "confirmed": 0, "contradicted": 1}
    assert records["forum"] == {"claims": 1, "first": 1, "confirmed": 0, "contradicted": 1}
    assert records["us-wire"] == {"claims": 2, "first": 1, "confirmed": 0, "contradicted": 1}
    page = api.get("/sources").text
    assert "confirmed" in page and "2 · 2 · 1 · 1" in page


def test_claims_and_exports_carry_cluster_id(api: TestClient, db: Database, seeded: Clustered) -> None:
    claims = api.get("/api/claims").json()["items"]
    by_id = {c["id"]: c["cluster_id"] for c in claims}
    assert len({by_id[i] for i in seeded.fact_claims}) == 1 and by_id[seeded.estimate] != by_id[seeded.fact_claims[0]]
    with db.session() as s:
        exported = [json.loads(json.dumps(r)) for r in export_rows(s, "claims")]
    assert all(r["cluster_id"] is not None for r in exported)


def test_pages_show_clusters_contradictions_and_a_timeline_chart(api: TestClient, seeded: Clustered) -> None:
    clusters = api.get("/clusters", params={"entity": "NVIDIA"}).text
    assert clusters.count('<details class="cluster') == 4 and "3 sources" in clusters and "en ja zh" in clusters
    contradictions = api.get("/contradictions").text
    assert "different values" in contradictions and "forum" in contradictions and "46,700,000,000" in contradictions
    timeline = api.get("/timeline", params={"entity": "NVIDIA", "metric": "revenue"}).text
    assert timeline.count("<circle") == 3 and "<polyline" in timeline and "cdn" not in timeline.lower()
    assert api.get("/clusters", params={"since": "nonsense"}).status_code == 400
