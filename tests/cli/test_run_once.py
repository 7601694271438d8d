"""`chipwatch run --once` as a user runs it: a real process, a config file, loopback servers."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from chipwatch.cli.loopback import load_sample_articles


def _chipwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chipwatch", *args], capture_output=True, text=True, timeout=120)


def test_run_once_twice_stores_and_sends_nothing_new_the_second_time(
    tmp_path: Path, sample_site: Any, receiver: Any
) -> None:
    url, rec = receiver
    site = sample_site
    articles = load_sample_articles()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "note.txt").write_bytes("台积电称，先进封装CoWoS产能明年将翻倍，英伟达订单占一半以上。".encode("gb18030"))
    config = tmp_path / "chipwatch.yaml"
    config.write_text(
        "database: sqlite:///cw.db\n"
        f"sources:\n  - {{name: feed, kind: feed, url: '{site.url}/feed.xml'}}\n"
        "  - {name: inbox, kind: directory, path: ./inbox}\n"
        f"alerts:\n  - {{name: notable, min_score: 0.5, notify: ['{url}']}}\n"
        "http:\n  allow_private_networks: true\n",
        encoding="utf-8",
    )
    first = _chipwatch("run", "--once", "--config", str(config))
    assert first.returncode == 0, first.stderr
    # Quiet by default: no alembic lines on a fresh database, no apprise line per alert; progress per source.
    assert "alembic" not in first.stderr and "apprise" not in first.stderr and " INFO " not in first.stderr
    assert "polling 1/2: " in first.stderr and "polling 2/2: " in first.stderr
    assert f"feed: {len(articles)} listed, {len(articles)} new" in first.stderr
    exported = _chipwatch("export", "articles", "--config", str(config), "--format", "jsonl")
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(rows) == len(articles) + 1
    assert any("台积电" in (r["text"] or "") for r in rows)  # GB18030 text file decoded
    sent_after_first = len(rec.received)
    assert sent_after_first > 0

    second = _chipwatch("run", "--once", "--config", str(config))
    assert second.returncode == 0, second.stderr
    assert "0 new articles" in second.stdout and "0 alerts queued, 0 sent" in second.stdout
    again = _chipwatch("export", "articles", "--config", str(config), "--format", "jsonl").stdout.splitlines()
    assert len(again) == len(rows) and len(rec.received) == sent_after_first
    feed_hits = site.hits["/feed.xml"]
    assert feed_hits == 2  # article pages are fetched once, the feed each cycle
    assert all(n == 1 for path, n in site.hits.items() if path.startswith("/articles/"))

    listed = _chipwatch("sources", "list", "--config", str(config), "--json")
    sources = {s["name"]: s for s in map(json.loads, listed.stdout.splitlines())}
    assert sources["feed"]["status"] == "ok" and sources["feed"]["articles"] == len(articles)
    assert set(sources["inbox"]) >= {"name", "kind", "url", "status", "last_error", "last_checked", "articles"}


def test_unreachable_database_exits_non_zero_with_a_clear_message(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("database: postgresql+psycopg://nobody:s3cretpw@127.0.0.1:9/none\n", encoding="utf-8")
    result = _chipwatch("run", "--once", "--config", str(config))
    assert result.returncode == 3
    assert "not reachable" in result.stderr and "s3cretpw" not in result.stderr
