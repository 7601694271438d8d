"""Delivery to one apprise target; the reason for a failure comes back as text, URLs masked."""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from typing import Literal

import apprise

from chipwatch.redact import guard_logs, mask_target, scrub

BodyFormat = Literal["text", "markdown", "html"]
# Schemes whose payload apprise lets us extend with `:name=value` URL arguments.
_PAYLOAD_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")


def target_hash(url: str) -> str:
    """Stable id of a notification URL that reveals nothing of it."""
    return hashlib.sha256(url.encode()).hexdigest()


@cache
def native_format(url: str) -> BodyFormat:
    """The body format the target renders (email: html, slack: markdown, json: text); text if unknown."""
    guard_logs(url)
    app = apprise.Apprise()
    if not app.add(url):
        return "text"
    value = str(getattr(app[0].notify_format, "value", app[0].notify_format))
    return value if value in ("text", "markdown", "html") else "text"  # type: ignore[return-value]


def with_alert_id(url: str, dedup_key: str | None) -> str:
    """For HTTP payload targets, add the dedup key as an `alert_id` field of the posted payload."""
    if not dedup_key or url.split("://", 1)[0].lower() not in _PAYLOAD_SCHEMES:
        return url
    return f"{url}{'&' if '?' in url else '?'}:alert_id={dedup_key}"


def send(url: str, title: str, body: str, body_format: BodyFormat = "text", dedup_key: str | None = None) -> str | None:
    """Notify one target. Returns None when delivered, else a one-line reason (URL masked).

    Each target gets its own Apprise object: with several URLs apprise reports one result for
    all of them (STACK-NOTES), and we need to know which one failed. The URL's secrets are registered with the
    log guard first: apprise's DEBUG lines and urllib3's request lines would show them.
    """
    guard_logs(url)
    app = apprise.Apprise()
    if not app.add(with_alert_id(url, dedup_key)):
        return f"{mask_target(url)} is not a notification URL apprise understands"
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = app.notify(title=title, body=body, body_format=apprise.NotifyFormat(body_format))
    if ok:
        return None
    lines = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
    reason = lines[-1] if lines else "delivery failed"
    return scrub(reason, url)[:500]
