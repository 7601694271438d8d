"""The layering in DESIGN.md is checked, not hoped for: import-linter contracts in pyproject.toml."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _scratch_copy(dest: Path) -> Path:
    """A copy of the package with the stage links resolved, to break a contract in without touching the checkout."""
    shutil.copytree(
        ROOT / "chipwatch",
        dest / "chipwatch",
        ignore=shutil.ignore_patterns("__pycache__", "samples", "vocab", "*.so", "static", "templates"),
    )
    return dest


def _lint(view: Path) -> subprocess.CompletedProcess[str]:
    """import-linter over the package found first on PYTHONPATH (`view`: the checkout, or a scratch copy)."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    env = {**os.environ, "PYTHONPATH": str(view)}
    return subprocess.run(
        [exe, "--no-cache", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=view,
        env=env,
        timeout=120,
    )


def test_import_contracts_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_forbidden_import_breaks_a_contract(tmp_path: Path) -> None:
    view = _scratch_copy(tmp_path / "view")
    with (view / "chipwatch" / "analysis" / "extract.py").open("a") as f:
        f.write("\nimport chipwatch.storage.db  # deliberate layering violation\n")
    result = _lint(view)
    assert result.returncode != 0 and "analysis is pure" in result.stdout and "BROKEN" in result.stdout


def test_analyze_does_not_import_prefect_or_the_database_layer(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("英伟达股价暴跌17%。", encoding="utf-8")
    code = (
        "import sys\n"
        "from chipwatch.cli.main import main\n"
        f"rc = main(['analyze', '--json', {str(doc)!r}])\n"
        "bad = [m for m in ('prefect', 'sqlalchemy', 'chipwatch.storage') if m in sys.modules]\n"
        "print('LOADED', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "LOADED []" in out.stdout, out.stdout + out.stderr
