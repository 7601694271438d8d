"""Config for issue 18: per-source `push` and `expect_new_within`, top-level `public_url`, `push_poll_every` and
`health_alerts`, the `sources: health` rule; and `sources list` saying once that push is off."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chipwatch.alerts.rules import ClaimFacts, rule_matches
from chipwatch.alerts.targets import all_urls, health_targets
from chipwatch.cli.main import main
from chipwatch.config import ConfigError, settings_from_dict

FEED = {"name": "f", "kind": "feed", "url": "https://example.com/feed.xml"}


def _settings(**extra: Any) -> Any:
    return settings_from_dict({"sources": [FEED], **extra})


def test_defaults_push_auto_and_no_public_url() -> None:
    s = _settings()
    assert s.sources[0].push == "auto" and s.public_url is None and s.push_poll_every == timedelta(hours=1)
    assert s.sources[0].alert_after_failures == 3 and s.sources[0].expect_new_within is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"sources": [{**FEED, "push": "always"}]}, ["sources.0.push"]),
        ({"sources": [{**FEED, "expect_new_within": "soon"}]}, ["expect_new_within", "duration"]),
        ({"sources": [{**FEED, "expect_new_within": "0s"}]}, ["expect_new_within", "longer than 0"]),
        ({"public_url": "chipwatch.example.com"}, ["public_url", "http(s) base URL"]),
        ({"health_alerts": ["nobody"]}, ["health_alerts lists 'nobody'", "alerts.targets"]),
        ({"health_alerts": ["nope://x"]}, ["health_alerts", "not a URL apprise can send to"]),
    ],
)
def test_bad_values_name_the_key_and_the_fix(data: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        settings_from_dict({"sources": [FEED], **data})
    for word in words:
        assert word in str(err.value)


def test_public_url_loses_its_trailing_slash() -> None:
    assert _settings(public_url="https://cw.example.com/base/").public_url == "https://cw.example.com/base"


def test_health_targets_come_from_health_alerts_and_health_rules() -> None:
    s = _settings(
        alerts={
            "targets": {"ops": "json://127.0.0.1:9/ops"},
            "rules": [
                {"name": "claims", "notify": ["ops"]},
                {"name": "broken", "sources": "health", "notify": ["json://127.0.0.1:9/pager"]},
            ],
        },
        health_alerts=["ops", "json://127.0.0.1:9/direct"],
    )
    assert health_targets(s.alerts) == [
        ("health_alerts", "json://127.0.0.1:9/ops"),
        ("health_alerts", "json://127.0.0.1:9/direct"),
        ("broken", "json://127.0.0.1:9/pager"),
    ]
    assert "json://127.0.0.1:9/direct" in all_urls(s.alerts)  # delivery finds it by its hash
    claim = ClaimFacts(
        id=1, fingerprint="x", text="t", language="en", entities=["NVIDIA"], topics=[], stance="bearish",
        quantities=[], score=1.0, why=[], source="f", article_url="https://example.com/a", article_title="a",
    )  # fmt: skip
    claims_rule, health_rule = s.alerts.rules
    assert rule_matches(claims_rule, claim) and not rule_matches(health_rule, claim)
    assert health_rule.health and health_rule.sources == []


def _config(tmp_path: Path, **extra: Any) -> Path:
    path = tmp_path / "c.yaml"
    data = {
        "database": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "sources": [FEED, {**FEED, "name": "g", "url": "https://example.com/g.xml"}],
        **extra,
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_sources_list_says_push_is_off_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "list", "--config", str(_config(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert out.count("push: off (no public_url") == 1 and out.count("\n") == 3
    assert main(["sources", "list", "--config", str(_config(tmp_path)), "--json"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["push"] for r in rows] == ["off", "off"] and captured.err.count("push: off") == 1
    assert {r["health"] for r in rows} == {"ok"} and all("failing_since" in r for r in rows)
    assert main(["sources", "list", "--config", str(_config(tmp_path, public_url="https://cw.example.com"))]) == 0
    assert "push: off" not in capsys.readouterr().out
