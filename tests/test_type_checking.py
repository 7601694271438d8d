"""Editors and type checkers see the same `chipwatch` package as Python does: an editable install is a plain path
entry, so mypy (and pyright, which reads .pth files the same way) resolves every `chipwatch.*` import."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import chipwatch

ROOT = Path(__file__).resolve().parent.parent


def _every_module() -> list[str]:
    names = ["chipwatch"]
    for info in pkgutil.walk_packages(chipwatch.__path__, "chipwatch."):
        if ".migrations.versions." in info.name or info.name.endswith("_compiled"):
            continue  # Alembic revisions are loaded by path; _compiled exists only inside a compiled build
        names.append(info.name)
    return names


def _mypy(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--python-executable",
            sys.executable,  # the venv whose site-packages holds the editable install
            "--follow-imports=silent",  # resolve and read every module, report only on the file given
            "--ignore-missing-imports",  # third-party packages without stubs are not what this checks
            "--no-incremental",
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=path.parent,  # not the checkout: mypy must find chipwatch through the install, as an editor does
        timeout=600,
    )


def test_mypy_resolves_every_chipwatch_import_from_outside_the_checkout(tmp_path: Path) -> None:
    modules = _every_module()
    assert {"chipwatch.config", "chipwatch.cli.main", "chipwatch.flows.poll", "chipwatch.storage.outbox"} <= set(
        modules
    )
    probe = tmp_path / "probe.py"
    probe.write_text("".join(f"import {name}\n" for name in modules), encoding="utf-8")
    result = _mypy(probe)
    assert "Success: no issues found" in result.stdout, result.stdout + result.stderr
    # --ignore-missing-imports would hide an unresolved chipwatch module; a module that does not resolve makes
    # `reveal_type` of it fail, so check one name per stage is a real module to mypy.
    check = tmp_path / "check.py"
    check.write_text(
        "from chipwatch.config import Settings\n"
        "from chipwatch.storage.db import Database\n"
        "from chipwatch.flows.poll import poll\n"
        "x: int = Settings  # deliberate: mypy must know what Settings is to reject this\n",
        encoding="utf-8",
    )
    result = _mypy(check)
    assert 'type "type[Settings]"' in result.stdout, result.stdout + result.stderr
