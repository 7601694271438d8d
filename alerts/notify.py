"""Delivery to one apprise target; the reason for a failure comes back as text, URLs masked."""

from __future__ import annotations

import hashlib
import logging

import apprise

from chipwatch.redact import mask_url


def target_hash(url: str) -> str:
    """Stable id of a notification URL that reveals nothing of it."""
    return hashlib.sha256(url.encode()).hexdigest()


def send(url: str, title: str, body: str) -> str | None:
    """Notify one target. Returns None when delivered, else a one-line reason.

    Each target gets its own Apprise object: with several URLs apprise reports one result for
    all of them (STACK-NOTES), and we need to know which one failed.
    """
    app = apprise.Apprise()
    if not app.add(url):
        return f"{mask_url(url)} is not a notification URL apprise understands"
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = app.notify(title=title, body=body)
    if ok:
        return None
    lines = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
    reason = lines[-1] if lines else "delivery failed"
    return reason.replace(url, mask_url(url))[:500]
