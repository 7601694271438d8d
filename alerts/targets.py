"""Where alerts go: a rule's `notify` entries resolved to apprise URLs (named targets or URLs written in the rule),
and `chipwatch alerts test`, one test message to every configured target."""

from __future__ import annotations

from chipwatch.alerts.notify import send
from chipwatch.config import AlertRule, AlertSettings
from chipwatch.redact import mask_target


def rule_urls(alerts: AlertSettings, rule: AlertRule) -> list[str]:
    """The apprise URLs a rule notifies, named targets resolved, each once (config validation guarantees every
    name is defined)."""
    out: list[str] = []
    for entry in rule.notify:
        url = entry if "://" in entry else alerts.targets[entry].url
        if url not in out:
            out.append(url)
    return out


def all_urls(alerts: AlertSettings) -> list[str]:
    """Every distinct URL: named targets first, then those written in rules and in `health_alerts`."""
    out = list(dict.fromkeys(target.url for target in alerts.targets.values()))
    for rule in alerts.rules:
        out += [u for u in rule_urls(alerts, rule) if u not in out]
    out += [u for u in health_urls(alerts) if u not in out]
    return out


def health_urls(alerts: AlertSettings) -> list[str]:
    """The URLs source health alerts go to: `health_alerts` entries and the targets of `sources: health` rules."""
    return [url for _label, url in health_targets(alerts)]


def health_targets(alerts: AlertSettings) -> list[tuple[str, str]]:
    """(rule name the outbox row carries, URL) for each health alert target, each URL once."""
    out: dict[str, str] = {}
    for entry in alerts.health:
        out.setdefault(entry if "://" in entry else alerts.targets[entry].url, "health_alerts")
    for rule in alerts.rules:
        if rule.health:
            for url in rule_urls(alerts, rule):
                out.setdefault(url, rule.name)
    return [(label, url) for url, label in out.items()]


def test_targets(alerts: AlertSettings) -> list[tuple[str, str | None]]:
    """(masked target, None if delivered else the reason), each distinct URL once, named targets included;
    each sent with the timeouts its alerts get."""
    names: dict[str, str] = {}
    for name, target in alerts.targets.items():
        names.setdefault(target.url, name)
    results: list[tuple[str, str | None]] = []
    for url in all_urls(alerts):
        label = f"{names[url]} ({mask_target(url)})" if url in names else mask_target(url)
        body = "Test message from chipwatch: this target is configured and reachable. No action needed."
        failure = send(url, "chipwatch test message", body, timeouts=alerts.timeouts_for(url))
        results.append((label, None if failure is None else failure.reason))
    return results
