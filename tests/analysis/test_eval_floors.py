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
