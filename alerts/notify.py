"""Delivery to one apprise target; the reason for a failure comes back as text, URLs masked.

What goes out is the configured URL plus what chipwatch adds for this one send, never stored or shown:
the delivery timeouts (`rto=`, `cto=`, unless the URL sets them itself) and, for HTTP payload targets, the
alert's dedup key as the payload field `alert_id` and the headers `Idempotency-Key` and `X-Chipwatch-Alert`.
Every other target gets the key in the message body (`Alert-Id: ...`, see messages.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import apprise

from chipwatch.alerts.apprise_report import apprise_report
from chipwatch.config import DeliveryTimeouts
from chipwatch.redact import guard_logs, mask_target, scrub

BodyFormat = Literal["text", "markdown", "html"]
# Schemes whose payload apprise lets us extend with `:name=value` and whose headers with `+Name=value`.
_PAYLOAD_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")
KEY_HEADERS = ("Idempotency-Key", "X-Chipwatch-Alert")


@dataclass(frozen=True)
class SendFailure:
    """Why a send failed. `maybe_delivered`: the request went out and no answer came (a read timeout, or
    the connection ended first), so the target may have the alert; a retry can repeat it."""

    reason: str
    maybe_delivered: bool = False


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


def _has_arg(url: str, name: str) -> bool:
    return re.search(rf"[?&]{re.escape(name)}=", url, re.IGNORECASE) is not None


def delivery_url(url: str, dedup_key: str | None = None, timeouts: DeliveryTimeouts | None = None) -> str:
    """The URL one send uses: `url` with the timeouts and, for HTTP payload targets, the dedup key added
    (arguments the URL already has are left as written)."""
    args: list[str] = []
    if timeouts is not None:
        if not _has_arg(url, "rto"):
            args.append(f"rto={timeouts.read:g}")
        if timeouts.connect is not None and not _has_arg(url, "cto"):
            args.append(f"cto={timeouts.connect:g}")
    if dedup_key and url.split("://", 1)[0].lower() in _PAYLOAD_SCHEMES:
        args.append(f":alert_id={dedup_key}")
        args += [f"+{header}={dedup_key}" for header in KEY_HEADERS if not _has_arg(url, f"+{header}")]
    if not args:
        return url
    return f"{url}{'&' if '?' in url else '?'}{'&'.join(args)}"


def send(
    url: str,
    title: str,
    body: str,
    body_format: BodyFormat = "text",
    dedup_key: str | None = None,
    timeouts: DeliveryTimeouts | None = None,
) -> SendFailure | None:
    """Notify one target. Returns None when delivered, else why not (URL masked).

    Each target gets its own Apprise object: with several URLs apprise reports one result for
    all of them (STACK-NOTES), and we need to know which one failed. The URL's secrets are registered with the
    log guard first: apprise's DEBUG lines and urllib3's request lines would show them.
    """
    guard_logs(url)
    app = apprise.Apprise()
    if not app.add(delivery_url(url, dedup_key, timeouts)):
        return SendFailure(f"{mask_target(url)} is not a notification URL apprise understands")
    with apprise_report() as report:
        ok = app.notify(title=title, body=body, body_format=apprise.NotifyFormat(body_format))
    if ok:
        return None
    unanswered = report.unanswered()
    if unanswered == "timeout":
        wait = f"within {timeouts.read:g} s " if timeouts else ""
        said = f"sent, but no answer {wait}(read timeout); the target may have it"
    elif unanswered == "dropped":
        said = "sent, but the connection closed before an answer; the target may have it"
    else:
        said = scrub(report.reason() or "delivery failed", url)
    return SendFailure(said[:500], maybe_delivered=unanswered is not None)
