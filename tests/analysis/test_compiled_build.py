"""The mypyc build of the engine: same output as the sources, and never stale.

setup.py compiles the hot engine modules; analysis/_loader.py decides at import whether the compiled modules or
the .py sources run. These tests hold the two builds to identical output on every evaluation document (whole,
and each line alone) and check the loader's switch and staleness test.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import chipwatch.analysis as analysis_pkg
from chipwatch.analysis import _loader
from chipwatch.analysis.engine import analyze

DOCS = Path(__file__).parent / "eval" / "docs"
EXPECT_COMPILED = os.environ.get("CHIPWATCH_EXPECT_COMPILED") == "1"

# Analyses every evaluation document, whole and line by line, and prints the JSON: run once in this process and
# once in a child that runs the sources (CHIPWATCH_PURE=1).
_DUMP = """
import json, sys
from pathlib import Path
from chipwatch.analysis import ENGINE_BUILD
from chipwatch.analysis.engine import analyze
texts = []
for path in sorted(Path(sys.argv[1]).glob("*.txt")):
    text = path.read_text(encoding="utf-8")
    texts += [text, *(line for line in text.splitlines() if line.strip())]
print(json.dumps({"build": ENGINE_BUILD, "results": [analyze(t).to_json("x") for t in texts]}, ensure_ascii=False))
"""


def _dump(env: dict[str, str]) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", _DUMP, str(DOCS)], capture_output=True, text=True, timeout=300, env=env, check=True
    )
    return json.loads(run.stdout)


def test_ci_runs_the_compiled_engine() -> None:
    if not EXPECT_COMPILED:
        pytest.skip("CHIPWATCH_EXPECT_COMPILED is not set (CI sets it)")
    assert analysis_pkg.ENGINE_BUILD == "compiled"
    assert analyze.__class__.__name__ != "function", "analyze() is the Python function, not the compiled one"


def test_compiled_and_source_builds_give_identical_analyses() -> None:
    if analysis_pkg.ENGINE_BUILD != "compiled":
        pytest.skip(f"engine build is {analysis_pkg.ENGINE_BUILD!r}: nothing compiled to compare")
    compiled = _dump({**os.environ, "CHIPWATCH_PURE": ""})
    source = _dump({**os.environ, "CHIPWATCH_PURE": "1"})
    assert (compiled["build"], source["build"]) == ("compiled", "source")
    assert len(compiled["results"]) > 500
    assert sum(len(r["claims"]) for r in compiled["results"]) > 500
    differing = [i for i, (a, b) in enumerate(zip(compiled["results"], source["results"], strict=True)) if a != b]
    assert not differing, f"{len(differing)} analyses differ, first: {compiled['results'][differing[0]]}"


def test_an_edited_source_is_reported_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "engine.py").write_text("x = 1\n")
    (tmp_path / "stance.py").write_text("y = 2\n")
    digests = {
        name: hashlib.sha256((tmp_path / f"{name}.py").read_bytes()).hexdigest() for name in ("engine", "stance")
    }
    monkeypatch.setattr(_loader, "_HERE", tmp_path)
    assert _loader._stale(digests) == []
    (tmp_path / "stance.py").write_text("y = 3\n")
    assert _loader._stale(digests) == ["stance"]


def test_the_pure_switch_runs_the_sources() -> None:
    code = "import chipwatch.analysis as a; print(a.ENGINE_BUILD)"
    env = {**os.environ, "CHIPWATCH_PURE": "1"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, check=True)
    # With a build present the sources run instead ("source"); without one there is only the source ("pure").
    assert run.stdout.strip() == ("source" if analysis_pkg.ENGINE_BUILD in ("compiled", "source") else "pure")
