import subprocess
import sys
from pathlib import Path

import pytest

from chipwatch.cli.main import main
from chipwatch.config import ConfigError, load_settings

GOOD = """
database: sqlite:///data/cw.db
sources:
  - {name: feed-a, kind: feed, url: "https://example.com/feed.xml", every: 15m}
  - {name: drop, kind: directory, path: ./inbox}
alerts:
  - {name: notable, min_score: 0.7, entities: [NVIDIA], notify: ["json://127.0.0.1:9/hook"]}
http:
  allow_private_networks: true
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "chipwatch.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_valid_config_resolves_relative_paths_against_the_file(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, GOOD), environ={})
    assert s.database == f"sqlite:///{tmp_path / 'data' / 'cw.db'}"
    assert s.sources[1].path == str(tmp_path / "inbox")
    assert s.sources[0].every.total_seconds() == 900
    assert s.alerts.rules[0].min_score == 0.7 and s.http.allow_private_networks is True


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("databse: x\n", "config key 'databse' is not known"),
        ("sources:\n  - {name: a, kind: rss, url: 'https://x'}\n", "sources.0.kind"),
        ("sources:\n  - {name: a, kind: feed}\n", "a feed source needs `url: https://...`"),
        ("sources:\n  - {name: a, kind: feed, url: 'https://x', every: soon}\n", "write e.g. 30s, 15m"),
        ("alerts:\n  - {name: r, notify: ['not a url']}\n", "apprise URL"),
        ("sources: [{name: a, kind: feed, url: 'https://x'}, {name: a, kind: feed, url: 'https://y'}]\n", "used twice"),
        ("database: [unclosed\n", "not valid YAML at line"),
        ("- just\n- a list\n", "must hold a mapping"),
    ],
)
def test_bad_config_names_the_key_and_the_fix(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, body), environ={})
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    env = {"CHIPWATCH_DATABASE": "sqlite:////tmp/other.db", "CHIPWATCH_HTTP__TIMEOUT": "3"}
    s = load_settings(write(tmp_path, GOOD), environ=env)
    assert s.database == "sqlite:////tmp/other.db"
    assert s.http.timeout == 3.0


def test_engine_build_switches_are_not_config_keys(tmp_path: Path) -> None:
    env = {"CHIPWATCH_PURE": "1", "CHIPWATCH_COMPILE": "1", "CHIPWATCH_EXPECT_COMPILED": "1"}
    assert load_settings(write(tmp_path, GOOD), environ=env).database == load_settings(write(tmp_path, GOOD)).database
    with pytest.raises(ConfigError, match="CHIPWATCH_PUR sets config key 'pur', which is not known"):
        load_settings(write(tmp_path, GOOD), environ={"CHIPWATCH_PUR": "1"})


def test_cli_exits_2_with_one_line_on_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "sources:\n  - {name: a, kind: feed, url: 'https://x', evry: 1h}\n")
    assert main(["sources", "list", "--config", str(path), "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'sources.0.evry' is not known" in err


def test_missing_config_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--once", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "not found" in capsys.readouterr().err


def test_the_shipped_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "chipwatch.example.yaml"
    s = load_settings(example, environ={})
    assert [src.kind for src in s.sources] == ["feed", "page", "sitemap", "directory"]
    assert s.database == f"sqlite:///{example.parent / 'chipwatch.db'}"
    assert [r.name for r in s.alerts.rules] == ["notable-claims", "export-controls-digest"]


@pytest.mark.parametrize(
    "body",
    [
        "database: " + "[" * 50_000 + "]" * 50_000 + "\n",  # flow style, 50,000 deep
        "sources: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n",
        "".join("  " * i + "k:\n" for i in range(1_000)) + "  " * 1_000 + "v\n",  # block style, 1,000 deep
    ],
    ids=["flow-lists", "flow-mappings", "block-indented"],
)
def test_deeply_nested_yaml_is_a_config_error_naming_the_file(tmp_path: Path, body: str) -> None:
    """PyYAML composes recursively: without a depth limit this was a RecursionError traceback, not exit 2."""
    path = write(tmp_path, body)
    done = subprocess.run(
        [sys.executable, "-m", "chipwatch", "run", "--once", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    err = done.stderr.strip()
    assert "Traceback" not in err and err.count("\n") == 0
    assert f"config file {path} nests lists or mappings more than 64 levels deep at line" in err
    assert "remove the extra brackets or indentation" in err


def test_a_config_nested_as_deep_as_allowed_still_loads(tmp_path: Path) -> None:
    """The limit only stops the absurd: 64 levels (far beyond any real config) parse, and validation speaks."""
    with pytest.raises(ConfigError, match="'deep' is not known"):
        load_settings(write(tmp_path, "deep: " + "[" * 63 + "]" * 63 + "\n"), environ={})
    with pytest.raises(ConfigError, match="more than 64 levels deep at line 1"):
        load_settings(write(tmp_path, "deep: " + "[" * 64 + "]" * 64 + "\n"), environ={})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[unclosed s3cret", "environment variable CHIPWATCH_HTTP__TIMEOUT is not valid YAML at column"),
        ("[" * 50_000 + "s3cret", "environment variable CHIPWATCH_HTTP__TIMEOUT nests lists or mappings more than 64"),
    ],
)
def test_a_bad_environment_override_names_the_variable_not_the_value(tmp_path: Path, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, GOOD), environ={"CHIPWATCH_HTTP__TIMEOUT": value})
    assert expected in str(err.value) and "s3cret" not in str(err.value)
