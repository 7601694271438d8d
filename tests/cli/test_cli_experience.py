"""The command line as a person meets it: help on every option, quiet logs unless -v, progress, the next poll in
loop mode, CSV export, config errors that say where the bad key came from, the serve banner's database."""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from chipwatch.cli.logs import configure_logging
from chipwatch.cli.main import build_parser, main
from chipwatch.cli.progress import Progress
from chipwatch.cli.run_cmd import next_due_phrase
from chipwatch.cli.serve_cmd import database_label
from chipwatch.config import ConfigError, load_settings, settings_from_dict
from chipwatch.storage.db import Database
from chipwatch.storage.models import Source
from chipwatch.storage.sources import SourceSpec, sync_sources
from chipwatch.storage.types import utcnow


def _chipwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chipwatch", *args], capture_output=True, text=True, timeout=120)


def _parsers(parser: argparse.ArgumentParser, name: str = "chipwatch") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for verb, child in action.choices.items():
                found += _parsers(child, f"{name} {verb}")
    return found


def test_every_option_and_argument_has_help_text() -> None:
    missing = [
        f"{name}: {action.option_strings or action.dest}"
        for name, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert missing == []
    assert len(_parsers(build_parser())) >= 12  # every verb and sub-verb was walked


@pytest.mark.parametrize(("verbosity", "level"), [(0, logging.WARNING), (1, logging.INFO), (2, logging.DEBUG)])
def test_library_logs_follow_the_verbosity(verbosity: int, level: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_LOGGING_LEVEL", raising=False)
    root_level = logging.getLogger().level
    try:
        configure_logging(verbosity)
        for name in ("alembic", "apprise", "httpx", "prefect", "chipwatch"):
            assert logging.getLogger(name).getEffectiveLevel() == level, name
    finally:
        configure_logging(0)
        logging.getLogger().setLevel(root_level)


def test_minus_v_shows_the_migrations_that_the_default_hides(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("database: sqlite:///cw.db\n", encoding="utf-8")
    verbose = _chipwatch("run", "--once", "-v", "--config", str(config))
    assert verbose.returncode == 0 and "alembic.runtime.migration" in verbose.stderr
    (tmp_path / "cw.db").unlink()
    quiet = _chipwatch("run", "--once", "--config", str(config))
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith("polled 0 sources")


def test_plain_progress_lines_off_a_terminal_and_a_bar_on_one() -> None:
    plain = io.StringIO()
    with Progress(3, "polling", stream=plain) as p:
        for name in ("a", "b", "c"):
            p.advance(f"{name}: 1 new")
    assert plain.getvalue().splitlines() == ["polling 1/3: a: 1 new", "polling 2/3: b: 1 new", "polling 3/3: c: 1 new"]

    many = io.StringIO()
    with Progress(500, "analysing", stream=many) as p:
        for _ in range(500):
            p.advance("x")
    assert many.getvalue().splitlines()[-1] == "analysing 500/500"  # many items: a line now and then, not 500
    assert len(many.getvalue().splitlines()) < 10

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    with Progress(4, "polling", stream=tty) as p:
        assert p.interactive
        for _ in range(4):
            p.advance("a: 1 new")
    assert "polling 1/4" not in tty.getvalue()  # the bar, not plain lines
    assert p.done == 4


def test_analyze_over_several_files_reports_progress_on_stderr_only(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text("NVIDIA shares plunged 17% on Monday.", encoding="utf-8")
    done = _chipwatch("analyze", "--json", *sorted(str(p) for p in tmp_path.glob("*.txt")))
    assert done.returncode == 0
    assert [json.loads(line)["source"].endswith(".txt") for line in done.stdout.splitlines()] == [True] * 3
    assert "analysing 3/3: " in done.stderr and "1 claims" in done.stderr
    single = _chipwatch("analyze", str(tmp_path / "0.txt"))
    assert single.stderr == ""


def test_loop_mode_says_when_the_next_poll_is_due(sqlite_db: Database) -> None:
    settings = settings_from_dict({"timezone": "Asia/Tokyo"})
    assert next_due_phrase(sqlite_db, settings) == "never (no enabled source)"
    with sqlite_db.session() as s, s.begin():
        sync_sources(
            s, [SourceSpec("a", "feed", "http://127.0.0.1:9/a"), SourceSpec("b", "feed", "http://127.0.0.1:9/b")]
        )
    assert next_due_phrase(sqlite_db, settings) == "now"  # never polled
    now = utcnow()
    with sqlite_db.session() as s, s.begin():
        s.execute(update(Source).where(Source.name == "a").values(next_check=now + timedelta(minutes=12, seconds=30)))
        s.execute(update(Source).where(Source.name == "b").values(next_check=now + timedelta(hours=2)))
    phrase = next_due_phrase(sqlite_db, settings, now=now)
    assert phrase.startswith("in 12 min (") and phrase.endswith(" JST)")


def test_export_csv_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-prefect", "--data-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    config = str(tmp_path / "demo" / "demo.yaml")
    assert main(["export", "claims", "--config", config, "--format", "jsonl"]) == 0
    jsonl = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["export", "claims", "--config", config, "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == len(jsonl) and list(rows[0]) == list(jsonl[0])
    assert rows[0]["text"] == jsonl[0]["text"] and rows[0]["entities"] == "; ".join(jsonl[0]["entities"])
    assert json.loads(rows[0]["quantities"] or "[]") == jsonl[0]["quantities"]
    assert main(["export", "alerts", "--config", config, "--format", "csv"]) == 0
    alerts = list(csv.DictReader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff"))))
    assert alerts and all(a["state"] == "sent" for a in alerts)


def test_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    from chipwatch.cli.export_cmd import cell

    assert cell('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert cell(["-5%", "b"]) == "'-5%; b"
    assert cell([{"value": 17}]) == '[{"value":17}]'
    assert cell(None) == ""


def _config_error(tmp_path: Path, text: str, environ: dict[str, str]) -> str:
    config = tmp_path / "c.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ=environ)
    return str(caught.value)


def test_config_errors_say_whether_the_key_came_from_the_file_or_the_environment(tmp_path: Path) -> None:
    from_env = _config_error(tmp_path, "database: sqlite:///x.db\n", {"CHIPWATCH_DATABSE": "sqlite:///y.db"})
    assert from_env == (
        "environment variable CHIPWATCH_DATABSE sets config key 'databse', which is not known; "
        "unset it or check its spelling against the README"
    )
    bad_value = _config_error(tmp_path, "http: {timeout: 5}\n", {"CHIPWATCH_HTTP__TIMEOUT": "soon"})
    assert "'http.timeout'" in bad_value and "set by environment variable CHIPWATCH_HTTP__TIMEOUT" in bad_value
    in_file = _config_error(tmp_path, "databse: sqlite:///x.db\n", {"CHIPWATCH_HTTP__TIMEOUT": "5"})
    assert "'databse' is not known" in in_file and f"(in {tmp_path / 'c.yaml'})" in in_file
    assert "environment" not in in_file
    zone = _config_error(tmp_path, "timezone: Mars/Olympus\n", {})
    assert "'timezone'" in zone and "IANA" in zone


def test_the_serve_banner_names_the_sqlite_file_as_the_filesystem_spells_it() -> None:
    assert database_label("sqlite:////var/lib/chipwatch/cw.db") == "SQLite file /var/lib/chipwatch/cw.db"
    assert database_label("sqlite:///:memory:") == "SQLite in memory"
    assert (
        database_label("postgresql+psycopg://u:pw@127.0.0.1:5432/cw") == "postgresql+psycopg://u:***@127.0.0.1:5432/cw"
    )


def test_help_names_the_export_formats(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    out: Any = capsys.readouterr().out
    assert "{jsonl,csv}" in out and "--config CONFIG" in out


def test_minus_v_counts_wherever_it_is_written() -> None:
    parse = build_parser().parse_args
    assert parse(["run", "-vv", "--config", "c.yaml"]).verbose == 2
    assert parse(["alerts", "-v", "test", "--config", "c.yaml"]).verbose == 1
    assert parse(["alerts", "test", "-v", "--config", "c.yaml"]).verbose == 1
    assert not hasattr(parse(["sources", "list", "--config", "c.yaml"]), "verbose")  # quiet: the default
