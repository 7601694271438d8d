"""The layering in DESIGN.md is checked, not hoped for: import-linter contracts in pyproject.toml."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _package_view(dest: Path) -> Path:
    """Lay the folders out as installed (`chipwatch.storage` -> chipwatch/storage) so import-linter,
    which walks one directory tree, sees what a normal install sees; an editable install has no such tree."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for package, folder in sorted(mapping.items()):
        target = dest.joinpath(*package.split("."))
        shutil.copytree(
            ROOT / folder,
            target,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "samples", "*.yaml", "*.txt"),
        )
    return dest


def _lint(view: Path) -> subprocess.CompletedProcess[str]:
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


def test_import_contracts_hold(tmp_path: Path) -> None:
    result = _lint(_package_view(tmp_path / "view"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_forbidden_import_breaks_a_contract(tmp_path: Path) -> None:
    view = _package_view(tmp_path / "view")
    with (view / "chipwatch" / "analysis" / "extract.py").open("a") as f:
        f.write("\nimport chipwatch.storage.db  # deliberate layering violation\n")
    result = _lint(view)
    assert result.returncode != 0 and "analysis is pure" in result.stdout and "BROKEN" in result.stdout


def test_analyze_does_not_import_prefect_or_the_database_layer(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("英伟达股价暴跌17%。", encoding="utf-8")
    code = (
        "import sys\n"
        "from chipwatch.main import main\n"
        f"rc = main(['analyze', '--json', {str(doc)!r}])\n"
        "bad = [m for m in ('prefect', 'sqlalchemy', 'chipwatch.storage') if m in sys.modules]\n"
        "print('LOADED', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "LOADED []" in out.stdout, out.stdout + out.stderr
