"""The verbs INTERFACES.md fixes, run in-process through `chipwatch.cli.main.main`."""

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from chipwatch.cli.main import main

SEEDS = Path(__file__).resolve().parents[2] / "cli" / "samples" / "site"


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_analyze_json_lines_follow_the_interface(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("英伟达暴跌\n美国科技股本周遭到重创，英伟达股价暴跌近17%，市值单日蒸发近6000亿美元。".encode("gbk"))
    html = tmp_path / "page.html"
    html.write_bytes(
        b"<html><head><meta charset='shift_jis'><title>t</title></head><body><article><p>"
        + "エヌビディアの株価は17%下落し、時価総額は6000億ドル減少した。".encode("shift_jis")
        + b"</p></article></body></html>"
    )
    folder = tmp_path / "inbox"
    folder.mkdir()
    rc = main(["analyze", "--json", str(gbk), str(html), str(tmp_path / "missing.txt"), str(folder)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc == 1  # inputs failed
    assert [doc["source"] for doc in lines] == [str(gbk), str(html), str(tmp_path / "missing.txt"), str(folder)]
    zh, ja, missing, directory = lines
    assert "is a directory" in directory["error"] and f"{folder}/*.txt" in directory["error"]
    assert zh["language"] == "zh" and ja["language"] == "ja"
    assert "NVIDIA" in zh["entities"] and "NVIDIA" in ja["entities"]
    assert set(zh) >= {"source", "language", "title", "entities", "claims"}
    claim = zh["claims"][0]
    assert set(claim) >= {"text", "entities", "topics", "stance", "quantities", "score", "notable", "why"}
    assert {"value": 600000000000, "unit": "USD"}.items() <= next(
        q for q in claim["quantities"] if q["unit"] == "USD"
    ).items()
    assert "error" in missing and "no such file" in missing["error"]


def test_alerts_test_reports_each_target(tmp_path: Path, receiver: Any, capsys: pytest.CaptureFixture[str]) -> None:
    url, rec = receiver
    dead = f"json://127.0.0.1:{_closed_port()}/hook?token=s3cret"
    config = tmp_path / "c.yaml"
    config.write_text(f"alerts:\n  - {{name: r, notify: ['{url}', '{dead}']}}\n", encoding="utf-8")
    rc = main(["alerts", "test", "--config", str(config)])
    out = capsys.readouterr().out
    assert rc == 1
    assert f"{url.split('?')[0]}: delivered" in out
    assert "FAILED" in out and "s3cret" not in out
    assert len(rec.received) == 1 and "test" in rec.received[0]["title"].lower()


def test_demo_twice_finds_nothing_new_the_second_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-prefect", "--data-dir", str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert "7 listed,   7 new" in first and "== Claims found:" in first
    sent = int(first.split("== Alerts sent: ")[1].split()[0])
    assert sent > 0 and f"receiver got {sent};" in first
    stored = int(first.split("== Articles stored: ")[1].split()[0])
    assert sent <= stored  # one message per article and rule (one rule, one target), not one per claim
    assert main(["demo", "--no-prefect", "--data-dir", str(tmp_path)]) == 0
    second = capsys.readouterr().out
    assert "Nothing new since the last demo run" in second and "== Alerts sent: 0" in second


def test_alerts_list_offers_every_outbox_state() -> None:
    from chipwatch.cli.main import ALERT_STATE_NAMES
    from chipwatch.storage.models import ALERT_STATES

    assert ALERT_STATE_NAMES == ALERT_STATES
