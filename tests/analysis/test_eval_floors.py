"""The evaluation set's metrics may not fall below the floors pinned in eval/floors.yaml."""

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FLOORS = yaml.safe_load((Path(__file__).parent / "eval" / "floors.yaml").read_text(encoding="utf-8"))


def _load_eval():
    spec = importlib.util.spec_from_file_location("chipwatch_bench_eval", ROOT / "bench" / "eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def metrics():
    return _load_eval().evaluate().metrics()


REAL_SETS = ("real-dev", "real-holdout")


@pytest.fixture(scope="module")
def real_metrics():
    module = _load_eval()
    return {name: module.evaluate(module.SETS[name]).metrics() for name in REAL_SETS}


@pytest.mark.parametrize(
    ("set_name", "name"), [(s, m) for s in REAL_SETS for m in FLOORS[s] if m != "offtopic_false_claims_max"]
)
def test_real_text_metric_at_or_above_floor(real_metrics, set_name, name):
    value = real_metrics[set_name][name]
    assert value >= FLOORS[set_name][name], f"{set_name} {name} fell to {value} (floor {FLOORS[set_name][name]})"


@pytest.mark.parametrize("set_name", REAL_SETS)
def test_no_claims_on_off_topic_real_documents(real_metrics, set_name):
    assert real_metrics[set_name]["offtopic_false_claims"] <= FLOORS[set_name]["offtopic_false_claims_max"]


def test_real_text_set_covers_languages_genres_and_a_frozen_holdout():
    import yaml as _yaml

    real = Path(__file__).parent / "eval" / "real"
    labels = {p.stem: _yaml.safe_load(p.read_text(encoding="utf-8")) for p in real.glob("*/*.yaml")}
    holdout = [p.stem for p in (real / "holdout").glob("*.txt")]
    assert len(labels) >= 100 and len(holdout) >= 40
    for language in ("zh", "ja", "en"):
        assert sum(lab["language"] == language for lab in labels.values()) >= 30
    assert sum(lab.get("script") == "zh-TW" for lab in labels.values()) >= 10
    assert sum(bool(lab.get("off_topic")) for lab in labels.values()) >= 8
    assert all(lab["source"].startswith("http") for lab in labels.values())  # every excerpt keeps its address
    genres = {lab["genre"] for lab in labels.values()}
    assert {
        "news",
        "earnings",
        "press_release",
        "transcript",
        "broker_note",
        "forum",
        "bullet_summary",
        "table",
    } <= genres


@pytest.mark.parametrize(
    "name",
    [
        "claim_recall",
        "claim_precision",
        "claim_precision_strict",
        "entity_f1",
        "quantity_accuracy",
        "stance_accuracy",
    ],
)
def test_metric_at_or_above_floor(metrics, name):
    assert metrics[name] >= FLOORS[name], f"{name} fell to {metrics[name]} (floor {FLOORS[name]})"


def test_no_claims_on_off_topic_documents(metrics):
    assert metrics["offtopic_false_claims"] <= FLOORS["offtopic_false_claims_max"]


def test_set_has_enough_documents(metrics):
    docs = list((Path(__file__).parent / "eval" / "docs").glob("*.txt"))
    assert len(docs) >= 15
    assert sum("offtopic" in d.name for d in docs) >= 3
    assert {d.name[:2] for d in docs} >= {"zh", "ja", "en"}
    assert metrics["labelled_claims"] >= 100


def test_a_wrong_label_fails_the_key_check(tmp_path):
    (tmp_path / "doc.txt").write_text("英伟达股价暴跌17%。", encoding="utf-8")
    (tmp_path / "doc.yaml").write_text('claims: [{key: "not in the text"}]', encoding="utf-8")
    with pytest.raises(ValueError, match="key not in the document"):
        _load_eval().evaluate(tmp_path)
