"""The Prefect `poll` flow on a real (test-harness) Prefect server."""

import os
from pathlib import Path
from typing import Any

import pytest

from chipwatch.cli.loopback import load_sample_articles

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_poll_flow_runs_the_whole_cycle(prefect_server: None, tmp_path: Path, sample_site: Any, receiver: Any) -> None:
    from prefect.client.orchestration import get_client

    from chipwatch.flows.poll import poll

    url, rec = receiver
    site = sample_site
    articles = load_sample_articles()
    config = tmp_path / "c.yaml"
    config.write_text(
        f"database: sqlite:///{tmp_path / 'cw.db'}\n"
        f"sources:\n  - {{name: feed, kind: feed, url: '{site.url}/feed.xml'}}\n"
        f"alerts:\n  - {{name: notable, min_score: 0.5, notify: ['{url}']}}\n"
        "http: {allow_private_networks: true}\n",
        encoding="utf-8",
    )
    state = poll(config=str(config), return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert len(summary["polls"][0]["new"]) == len(articles)
    assert summary["processing"]["processed"] == len(articles)
    assert len(rec.received) == len([d for d in summary["deliveries"] if d["error"] is None]) > 0

    again = poll(config=str(config))
    assert again["polls"][0]["new"] == [] and again["deliveries"] == []

    import anyio

    async def task_names() -> set[str]:
        async with get_client() as client:
            runs = await client.read_task_runs()
            return {r.name for r in runs}

    names = anyio.run(task_names)
    assert "poll feed" in names and any(n.startswith("process articles") for n in names)


def test_digest_flow_runs_against_the_outbox(prefect_server: None, tmp_path: Path, receiver: Any) -> None:
    from chipwatch.flows.digest import digest

    url, rec = receiver
    config = tmp_path / "c.yaml"
    config.write_text(
        f"database: sqlite:///{tmp_path / 'cw.db'}\n"
        f"alerts:\n  - {{name: daily, mode: digest, digest: {{every: daily, at: '07:00'}}, notify: ['{url}']}}\n",
        encoding="utf-8",
    )
    state = digest(config=str(config), return_state=True)
    assert state.is_completed()
    # No claims yet, so no digest is due and nothing reaches the receiver.
    assert state.result() == {"digests": [], "queued": 0, "sent": 0} and rec.received == []
