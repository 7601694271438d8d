"""Rule conditions and the `alerts:` config forms, without a database."""

from __future__ import annotations

import logging

import pytest

from chipwatch.alerts.rules import ClaimFacts, rule_matches
from chipwatch.alerts.targets import all_urls, rule_urls
from chipwatch.config import AlertRule, ConfigError, settings_from_dict


def facts(**kw: object) -> ClaimFacts:
    base: dict = {
        "id": 1,
        "fingerprint": "f",
        "text": "NVIDIA shares fell 17%",
        "language": "en",
        "entities": ["NVIDIA"],
        "topics": ["market"],
        "stance": "bearish",
        "quantities": [{"value": 17, "unit": "%", "text": "17%"}],
        "score": 0.8,
        "why": [],
        "source": "wire",
        "article_url": "http://127.0.0.1:9/a",
        "article_title": None,
    }
    return ClaimFacts(**{**base, **kw})


def rule(**kw: object) -> AlertRule:
    return AlertRule(name="r", notify=["json://127.0.0.1:9/x"], **kw)


@pytest.mark.parametrize(
    ("conditions", "claim", "expected"),
    [
        ({}, {}, True),
        ({"min_score": 0.9}, {}, False),
        ({"entities": ["nvidia"]}, {}, True),
        ({"entities": ["TSMC"]}, {}, False),
        ({"topics": ["market", "capex"]}, {}, True),
        ({"topics": ["capex"]}, {}, False),
        ({"stance": "bullish"}, {}, False),
        ({"stance": ["bearish", "neutral"]}, {}, True),
        ({"languages": ["zh", "ja"]}, {}, False),
        ({"languages": ["zh"]}, {"language": "zh"}, True),
        ({"sources": ["WIRE"]}, {}, True),
        ({"sources": ["forum"]}, {}, False),
        ({"quantities": [{"unit": "%", "lte": -5, "signed": True}]}, {}, True),
        ({"quantities": [{"unit": "%", "lte": -5, "signed": True}]}, {"stance": "bullish"}, False),
        ({"quantities": [{"unit": "%", "gte": 20}]}, {}, False),
        ({"quantities": [{"unit": "USD", "gte": 1e9}]}, {}, False),
        (
            {"quantities": [{"unit": "USD", "gte": 1e9}]},
            {"quantities": [{"value": 6e11, "unit": "USD", "text": "6000亿美元"}]},
            True,
        ),
        (
            {"quantities": [{"unit": "USD", "gte": 1e9}]},
            {"quantities": [{"value": 5e8, "unit": "USD", "text": "$500m"}]},
            False,
        ),
        ({"entities": ["NVIDIA"], "topics": ["capex"]}, {}, False),  # every condition must hold
    ],
)
def test_rule_conditions(conditions: dict, claim: dict, expected: bool) -> None:
    assert rule_matches(rule(**conditions), facts(**claim)) is expected


def test_named_targets_are_defined_once_and_resolved_per_rule() -> None:
    s = settings_from_dict(
        {
            "alerts": {
                "targets": {
                    "ops": "json://127.0.0.1:9/ops",
                    "mail": "mailto://u:secret@127.0.0.1:25?to=a@example.com&from=b@example.com",
                },
                "max_attempts": 3,
                "rules": [
                    {"name": "a", "notify": ["ops", "mail"]},
                    {"name": "b", "notify": ["ops", "json://127.0.0.1:9/other"], "mode": "digest"},
                ],
            }
        }
    )
    assert rule_urls(s.alerts, s.alerts.rules[0]) == [
        "json://127.0.0.1:9/ops",
        "mailto://u:secret@127.0.0.1:25?to=a@example.com&from=b@example.com",
    ]
    assert len(all_urls(s.alerts)) == 3 and s.alerts.max_attempts == 3
    assert [r.name for r in s.alerts.rules] == ["a", "b"]


@pytest.mark.parametrize(
    ("alerts", "message"),
    [
        ([{"name": "a", "notify": ["nowhere"]}], "neither an apprise URL nor a name under alerts.targets"),
        ([{"name": "a", "notify": ["json://x"], "quantities": [{"unit": "%", "lte": -5}]}], "signed: true"),
        ([{"name": "a", "notify": ["json://x"], "quantities": [{"unit": "%"}]}], "needs `gte:` or `lte:`"),
        ([{"name": "a", "notify": ["json://x"], "timezone": "Mars/Olympus"}], "IANA name"),
        ([{"name": "a", "notify": ["json://x"], "quiet_hours": {"start": "25:00", "end": "07:00"}}], "HH:MM"),
        ([{"name": "a", "notify": ["json://x"]}, {"name": "a", "notify": ["json://y"]}], "used twice"),
        ({"targets": {"t": "not-a-url"}, "rules": []}, "target 't' is not an apprise URL"),
        ([{"name": "a", "notify": ["notascheme://host"]}], "'notascheme://***' is not a URL apprise can send to"),
        # a known service missing the parts it needs fails now, not at the first alert; the secret stays masked
        ({"targets": {"t": "slack://s3cret-token"}, "rules": []}, "target 't': 'slack://***' is not a URL apprise"),
    ],
)
def test_bad_alert_config_names_the_problem(alerts: object, message: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("`", ".").replace("*", r"\*")) as exc:
        settings_from_dict({"alerts": alerts})
    assert "s3cret" not in str(exc.value) and "s3cret" not in caplog.text


def test_a_template_that_does_not_parse_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a valid Jinja2 template"):
        settings_from_dict({"alerts": [{"name": "a", "notify": ["json://x"], "template": {"body": "{{ oops"}}]})


def test_environment_overrides_reach_the_short_list_form(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from chipwatch.config import load_settings

    path = tmp_path / "c.yaml"
    path.write_text("alerts:\n  - {name: a, notify: ['json://127.0.0.1:9/x']}\n", encoding="utf-8")
    s = load_settings(path, environ={"CHIPWATCH_ALERTS__MAX_ATTEMPTS": "3"})
    assert s.alerts.max_attempts == 3 and [r.name for r in s.alerts.rules] == ["a"]


def test_printed_settings_do_not_show_notification_urls() -> None:
    s = settings_from_dict(
        {"alerts": {"targets": {"t": "tgram://123:SECRETTOKEN/1"}, "rules": [{"name": "a", "notify": ["t"]}]}}
    )
    assert "SECRETTOKEN" not in repr(s) and "SECRETTOKEN" not in str(s.alerts)
