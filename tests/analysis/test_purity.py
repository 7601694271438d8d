"""analysis is pure and safe to share: no heavy imports, no I/O layers, same answers from many threads."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chipwatch.analysis.engine import analyze

DOCS = Path(__file__).parent / "eval" / "docs"


def test_engine_does_not_import_io_or_orchestration():
    code = (
        "import sys; from chipwatch.analysis.engine import analyze; analyze('英伟达股价暴跌17%。');"
        "bad = [m for m in ('prefect', 'sqlalchemy', 'httpx', 'fastapi', 'trafilatura') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_same_results_from_many_threads():
    texts = [p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.txt"))]
    expected = [analyze(t).to_json("x") for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda t: analyze(t).to_json("x"), texts * 3))
    assert got == expected * 3
