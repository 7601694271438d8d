"""`chipwatch alerts test|list|retry` end to end on a config file, in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chipwatch.alerts.delivery import deliver_due
from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.cli.main import main
from chipwatch.config import load_settings
from chipwatch.storage.db import open_database


def write_config(tmp_path: Path, hook_url: str, mail_url: str) -> Path:
    path = tmp_path / "chipwatch.yaml"
    path.write_text(
        f"database: sqlite:///{tmp_path / 'cw.db'}\n"
        "alerts:\n"
        "  max_attempts: 1\n"
        "  targets:\n"
        f"    hook: '{hook_url}'\n"
        f"    mail: '{mail_url}'\n"
        "  rules:\n"
        "    - {name: notable, min_score: 0.5, notify: [hook, mail]}\n",
        encoding="utf-8",
    )
    return path


def test_alerts_test_list_and_retry(
    tmp_path: Path, hook: Any, closed_port: int, store: Any, make_claim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "Hunter2Secret"
    mail = f"mailto://watch:{secret}@127.0.0.1:{closed_port}?to=a@example.com&from=b@example.com&mode=insecure"
    config = write_config(tmp_path, hook.target(), mail)

    assert main(["alerts", "test", "--config", str(config)]) == 1  # the mail target is down
    out = capsys.readouterr().out
    assert f"hook (json://127.0.0.1:{hook.url.rsplit(':', 1)[1]}" in out and ": delivered" in out
    assert "mail (mailto://watch:****@127.0.0.1" in out and "FAILED: " in out
    assert len(hook.received) == 1 and hook.received[0]["title"] == "chipwatch test message"

    settings = load_settings(config)
    db = open_database(settings.database)
    try:
        store(db, [make_claim("NVIDIA fell 17%")])
        enqueue_alerts(db, settings.alerts)
        report = deliver_due(db, settings.alerts)
        assert report.sent == 1 and report.dead == 1  # max_attempts: 1
    finally:
        db.dispose()

    assert main(["alerts", "list", "--state", "dead", "--config", str(config)]) == 0
    listed = capsys.readouterr().out
    assert "dead" in listed and "mailto://watch:****@127.0.0.1" in listed and listed.count("\n") == 1
    dead_id = int(listed.split()[0])

    assert main(["alerts", "list", "--json", "--config", str(config)]) == 0
    everything = capsys.readouterr().out
    assert everything.count("\n") == 2 and '"state": "sent"' in everything

    assert main(["alerts", "retry", "--dead", "--config", str(config)]) == 0
    assert f"re-queued 1 alert(s): {dead_id}" in capsys.readouterr().out
    assert main(["alerts", "list", "--state", "pending", "--json", "--config", str(config)]) == 0
    (requeued,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # The full attempt budget again, as from the dashboard (tests/dashboard/test_pages.py): one requeue for both.
    assert requeued["id"] == dead_id and requeued["attempts"] == 0
    assert main(["alerts", "retry", "999", "--config", str(config)]) == 1
    assert "not re-queued" in capsys.readouterr().out
    assert main(["alerts", "retry", "--config", str(config)]) == 2  # neither IDs nor --dead
    assert secret not in capsys.readouterr().err

    for text in (out, listed, everything):
        assert secret not in text
