"""`chipwatch alerts test`: one test message to every configured target, one result each."""

from __future__ import annotations

from collections.abc import Sequence

from chipwatch.alerts.notify import send
from chipwatch.redact import mask_url
from chipwatch.settings import AlertRule


def test_targets(rules: Sequence[AlertRule]) -> list[tuple[str, str | None]]:
    """(masked target, None if delivered else the reason), each distinct URL once."""
    results: dict[str, str | None] = {}
    for rule in rules:
        for url in rule.notify:
            if url not in results:
                body = f"Test from chipwatch for rule '{rule.name}'. No action needed."
                results[url] = send(url, "chipwatch test message", body)
    return [(mask_url(url), error) for url, error in results.items()]
