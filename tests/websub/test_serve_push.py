"""`chipwatch serve` as a user runs it, with a `public_url`: a real process whose /websub/ callback the loopback hub
verifies and delivers to, while a dashboard token guards everything else."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from push_env import FeedSite
from websub_hub import Hub

from chipwatch.config import load_settings
from chipwatch.pipeline.cycle import run_cycle
from chipwatch.storage.db import open_database

TOKEN = "push-test-token-0123456789"


def test_serve_takes_signed_pushes_and_alerts(tmp_path: Path, hub: Hub, receiver: Any) -> None:
    target, rec = receiver
    site = FeedSite(hub.url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    config = tmp_path / "chipwatch.yaml"
    config.write_text(
        json.dumps(
            {
                "database": f"sqlite:///{tmp_path / 'db.sqlite'}",
                "sources": [{"name": "pushed", "kind": "feed", "url": site.topic}],
                "alerts": [{"name": "notable", "min_score": 0.5, "notify": [target]}],
                "http": {"allow_private_networks": True},
                "dashboard": {"token": TOKEN},
                "public_url": base,
            }
        ),
        encoding="utf-8",
    )
    settings = load_settings(config)
    db = open_database(settings.database)
    proc = subprocess.Popen(
        [sys.executable, "-m", "chipwatch", "serve", "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        with site.server:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            assert httpx.get(base + "/api/claims").status_code == 401  # the token still guards the rest
            site.add("polled")
            run_cycle(db, settings)
            assert hub.wait_for(lambda: bool(hub.live(site.topic))), hub.verifications
            polled_alerts = len(rec.received)

            site.add("pushed-by-hub")
            assert hub.publish(site.topic) == 1
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(rec.received) == polled_alerts:
                time.sleep(0.2)
            assert any("pushed-by-hub" in m.get("message", "") for m in rec.received[polled_alerts:])

            (callback,) = {sub.callback for sub in hub.live(site.topic)}
            forged = httpx.post(callback, content=site.body(), headers={"X-Hub-Signature": "sha256=00"})
            assert forged.status_code == 403
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=20)
        db.dispose()
    assert "WebSub callbacks under" in err and "refused a delivery for source pushed" in err
