"""`chipwatch alerts test`: one test message to every configured target, one result each."""

from __future__ import annotations

from collections.abc import Sequence

from chipwatch.alerts.notify import send
from chipwatch.redact import mask_url
from chipwatch.settings import AlertRule, AlertSettings


def test_targets(alerts: AlertSettings | Sequence[AlertRule]) -> list[tuple[str, str | None]]:
    """(masked target, None if delivered else the reason), each distinct URL once, named targets included."""
    cfg = alerts if isinstance(alerts, AlertSettings) else AlertSettings(rules=list(alerts))
    names = {url: name for name, url in cfg.targets.items()}
    results: list[tuple[str, str | None]] = []
    for url in cfg.all_urls():
        label = f"{names[url]} ({mask_url(url)})" if url in names else mask_url(url)
        body = "Test message from chipwatch: this target is configured and reachable. No action needed."
        results.append((label, send(url, "chipwatch test message", body)))
    return results
