"""Browser tests must fail, not skip, under CI=true when Chromium is missing (and skip elsewhere)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["CHIPWATCH_TEST_CHROMIUM"] = str(HERE / "no-such-chromium")
    if ci:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(HERE / "test_browser.py"),
            "-k",
            "hostile",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=HERE.parent.parent,
        timeout=120,
    )


def test_missing_browser_fails_in_ci_and_skips_elsewhere() -> None:
    in_ci = _run("true")
    assert in_ci.returncode != 0 and "browser tests cannot run in CI" in in_ci.stdout, in_ci.stdout[-2000:]
    local = _run(None)
    assert local.returncode == 0 and "1 skipped" in local.stdout and "no-such-chromium is missing" in local.stdout, (
        local.stdout[-2000:]
    )
