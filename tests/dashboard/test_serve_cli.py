"""`chipwatch serve` as a user runs it: a real process on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

TOKEN = "serve-test-token-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(tmp_path: Path, extra: str = "") -> Path:
    cfg = tmp_path / "chipwatch.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'db.sqlite'}\n{extra}", encoding="utf-8")
    return cfg


def _serve(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "chipwatch", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _wait_healthy(url: str, proc: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            return httpx.get(url + "/healthz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("chipwatch serve did not answer within 30 s")


def test_serve_answers_on_loopback_with_the_token_from_the_environment(tmp_path: Path) -> None:
    port = _free_port()
    proc = _serve(["--config", str(_config(tmp_path)), "--port", str(port)], env={"CHIPWATCH_TOKEN": TOKEN})
    try:
        base = f"http://127.0.0.1:{port}"
        health = _wait_healthy(base, proc)
        assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}
        assert httpx.get(base + "/api/claims", timeout=5).status_code == 401
        ok = httpx.get(base + "/api/claims", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        assert ok.status_code == 200 and ok.json() == {"items": [], "next_cursor": None, "prev_cursor": None}
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert TOKEN not in (proc.stderr.read() if proc.stderr else "")


def test_serve_refuses_a_public_address_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CHIPWATCH_TOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "chipwatch", "serve", "--config", str(_config(tmp_path)), "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "token" in proc.stderr and "127.0.0.1" in proc.stderr


def test_serve_names_a_busy_port_and_the_fix(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "chipwatch", "serve", "--config", str(_config(tmp_path)), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    assert f"port {port}" in proc.stderr and "--port" in proc.stderr and "Traceback" not in proc.stderr


def test_serve_rejects_a_port_out_of_range(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "chipwatch", "serve", "--config", str(_config(tmp_path)), "--port", "99999"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "--port" in proc.stderr and "1-65535" in proc.stderr and "Traceback" not in proc.stderr


def test_serve_on_loopback_answers_only_its_own_names(tmp_path: Path) -> None:
    """DNS rebinding: a request for another site's name that reached 127.0.0.1 is refused (issue 16, item 6)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "CHIPWATCH_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "chipwatch", "serve", "--config", str(_config(tmp_path)), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert _wait_healthy(base, proc).status_code == 200
        assert httpx.get(f"http://localhost:{port}/api/claims", timeout=5).status_code == 200
        rebound = httpx.get(base + "/api/claims", headers={"Host": f"rebind.example:{port}"}, timeout=5)
        assert rebound.status_code == 400 and f"127.0.0.1:{port}" in rebound.json()["detail"]
    finally:
        proc.terminate()
        proc.wait(timeout=15)
