"""A normal (non-editable) install lays every stage out under `chipwatch`, installs the command, and compiles the
claim engine where it can (setup.py) without ever running a compiled module older than its source."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ["analysis", "connectors", "storage", "pipeline", "alerts", "flows", "dashboard", "cli"]


def _install(target: Path, source: Path = ROOT, **env: str) -> None:
    build = subprocess.run(
        # No build isolation: the build requirements come from the test extras, so nothing is fetched from PyPI.
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert build.returncode == 0, build.stderr


# The test venv's editable install puts this checkout on sys.path too; the target goes first, so `chipwatch` and
# every module under it come from the target alone.
_TARGET_ONLY = "import sys\nsys.path.insert(0, {target!r})\n"


def _run(target: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _TARGET_ONLY.format(target=str(target)) + code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=target.parent,
        env={**os.environ, **env},
    )


def test_normal_install_imports_every_stage_and_ships_data(tmp_path: Path) -> None:
    target = tmp_path / "site"
    _install(target)
    code = (
        "import importlib\n"
        "import chipwatch\n"
        f"assert chipwatch.__file__.startswith({str(target)!r}), chipwatch.__file__\n"
        f"for stage in {STAGES!r}:\n"
        "    mod = importlib.import_module('chipwatch.' + stage)\n"
        f"    assert mod.__file__.startswith({str(target)!r}), mod.__file__\n"
        "from importlib import resources\n"
        "assert (resources.files('chipwatch.cli') / 'samples' / 'site' / 'index.yaml').is_file()\n"
        "assert (resources.files('chipwatch.storage') / 'migrations' / 'env.py').is_file()\n"
        "assert (resources.files('chipwatch.analysis') / 'vocab' / 'entities.yaml').is_file()\n"
        "assert any((resources.files('chipwatch.alerts') / 'templates').iterdir())\n"
        "assert any((resources.files('chipwatch.dashboard') / 'templates').iterdir())\n"
        "from chipwatch.analysis import ENGINE_BUILD\n"
        "print(ENGINE_BUILD)\n"
        "print('OK')\n"
    )
    run = _run(target, code)
    assert run.returncode == 0, run.stdout + run.stderr
    build_kind, ok = run.stdout.split()
    assert ok == "OK", run.stdout + run.stderr
    # A normal install compiles the engine wherever a C compiler is present, and installs it pure otherwise;
    # CI (CHIPWATCH_EXPECT_COMPILED=1) insists on the compiled build.
    assert build_kind in ("compiled", "pure"), build_kind
    if os.environ.get("CHIPWATCH_EXPECT_COMPILED") == "1":
        assert build_kind == "compiled"
    entry_points = next(target.glob("chipwatch-*.dist-info")) / "entry_points.txt"
    assert "chipwatch = chipwatch.cli.main:main" in entry_points.read_text()
    if build_kind != "compiled":
        return

    # An edited source wins over the compiled build: every engine module then runs from source, with a warning
    # naming the module, and the edit takes effect.
    stance = target / "chipwatch" / "analysis" / "stance.py"
    stance.write_text(stance.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    code = (
        "import warnings\n"
        "warnings.simplefilter('always')\n"
        "from chipwatch.analysis import ENGINE_BUILD, stance\n"
        "from chipwatch.analysis.engine import analyze\n"
        "print(ENGINE_BUILD, stance.EDITED, len(analyze('英伟达股价暴跌17%，市值蒸发近6000亿美元。').claims))\n"
    )
    run = _run(target, code)
    assert run.stdout.split() == ["source", "True", "1"], run.stdout + run.stderr
    assert "stance changed since the engine was compiled" in run.stderr


def test_install_without_a_c_compiler_is_pure_python(tmp_path: Path) -> None:
    # From a clean copy: objects in the checkout's build/ directory would be reused without calling the compiler.
    source = tmp_path / "src"
    skip = shutil.ignore_patterns(".venv", ".git", "build", "*.so", "__pycache__", "*.egg-info", ".ruff_cache")
    shutil.copytree(ROOT, source, ignore=skip)
    target = tmp_path / "site"
    _install(target, source, CC="/bin/false", CHIPWATCH_COMPILE="auto")
    assert not list((target / "chipwatch" / "analysis").glob("*.so"))
    code = (
        "from chipwatch.analysis import ENGINE_BUILD\n"
        "from chipwatch.analysis.engine import analyze\n"
        "print(ENGINE_BUILD, len(analyze('英伟达股价暴跌17%，市值蒸发近6000亿美元。').claims))\n"
    )
    run = _run(target, code)
    assert run.stdout.split() == ["pure", "1"], run.stdout + run.stderr
