"""`chipwatch stack` without a running stack: clear answers, no processes started."""

import json
from pathlib import Path

import pytest

from chipwatch.cli.main import main


def test_status_and_down_without_a_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack", "status", "--home", str(tmp_path)]) == 1
    assert json.loads(capsys.readouterr().out) == {"running": False, "home": str(tmp_path)}
    assert main(["stack", "down", "--home", str(tmp_path)]) == 0
    assert "no stack recorded" in capsys.readouterr().out


def test_up_needs_a_config(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHIPWATCH_CONFIG", raising=False)
    assert main(["stack", "up", "--home", str(tmp_path)]) == 1
    assert "needs --config" in capsys.readouterr().err
    assert not (tmp_path / "stack.json").exists()


def test_up_refuses_an_unusable_prefect_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"database: sqlite:///{tmp_path / 'cw.db'}\n", encoding="utf-8")
    closed_port = "postgresql+asyncpg://postgres@127.0.0.1:9/chipwatch_prefect"  # nothing listens on port 9
    code = main(["stack", "up", "--config", str(config), "--home", str(tmp_path), "--prefect-database", closed_port])
    assert code == 1
    err = capsys.readouterr().err
    assert "not usable" in err and "--prefect-database" in err
    assert not (tmp_path / "stack.json").exists()
