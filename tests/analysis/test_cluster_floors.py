"""The clustering of the labelled real-text set may not fall below the floors in eval/clusters/floors.yaml."""

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SET = Path(__file__).parent / "eval" / "clusters"
FLOORS = yaml.safe_load((SET / "floors.yaml").read_text(encoding="utf-8"))


def _load_bench():
    spec = importlib.util.spec_from_file_location("chipwatch_bench_clusters", ROOT / "bench" / "clusters.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _load_bench()


@pytest.fixture(scope="module")
def metrics(bench):
    return bench.evaluate().metrics()


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_clustering_metric_at_or_above_floor(metrics, name):
    assert metrics[name] >= FLOORS[name], f"{name} fell to {metrics[name]} (floor {FLOORS[name]})"


def test_the_set_has_enough_events_across_languages_and_contradictions(bench):
    coverage = bench.coverage()
    assert coverage["events_3docs_2languages"] >= 15
    assert coverage["contradictions"] >= 5
    labels = bench.load_labels()
    clusters = set(labels["clusters"])
    for name, doc in labels["documents"].items():
        assert doc["source"].startswith("http"), name  # every excerpt keeps its address
        assert doc["language"] in ("zh", "ja", "en")
        text = (SET / "docs" / f"{name}.txt").read_text(encoding="utf-8")
        for claim in doc["claims"]:
            assert claim["key"] in text, (name, claim["key"])
            assert claim["cluster"] in clusters, (name, claim["cluster"])
    for pair in labels["contradictions"]:
        assert {pair["a"], pair["b"]} <= clusters and pair["why"]


def test_scoring_fails_a_clustering_that_merges_everything(bench, monkeypatch):
    """The bench's scoring can fail: with every claim in one cluster, precision collapses under the floor."""
    from chipwatch.analysis import clustering

    def one_cluster(new, candidates):
        reps = list(candidates)
        return clustering.Placement(cluster_id=reps[0].cluster_id if reps else None)

    monkeypatch.setattr(bench, "place", one_cluster)
    monkeypatch.setattr(bench, "lookup_keys", lambda facts: [("all",)])
    monkeypatch.setattr(bench, "rep_lookup_key", lambda rep: ("all",))
    assert bench.evaluate().metrics()["bcubed_precision"] < FLOORS["bcubed_precision"]
