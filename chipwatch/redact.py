"""Masking of secrets before anything is printed, logged or stored for display."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_QUERY_SECRET = re.compile(r"(?i)([?&](?:pass|password|token|key|secret|apikey|api_key|auth|user)[^=&]*=)[^&]*")
# Schemes whose host part names a server, not a credential; for every other apprise scheme the
# host and path are usually tokens (tgram://BOTTOKEN/CHAT, discord://ID/TOKEN), so all is hidden.
_HOST_IS_PUBLIC = ("http", "https", "json", "jsons", "form", "forms", "xml", "xmls", "mailto", "mailtos")


def mask_url(url: str) -> str:
    """Hide passwords, tokens and secret-looking query values of a notification or database URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _scheme_only(url)
    if not parts.scheme:
        return "***"
    scheme = parts.scheme.lower()
    public_host = scheme in _HOST_IS_PUBLIC or scheme.startswith(("sqlite", "postgresql", "mysql"))
    if not public_host:
        return _scheme_only(url)
    host = parts.hostname or ""
    if port:
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}{':***' if parts.password is not None else ''}@{host}"
    query = _QUERY_SECRET.sub(r"\1***", "?" + parts.query)[1:] if parts.query else ""
    if scheme.startswith(("mailto", "sqlite", "postgresql", "mysql")):
        query = ""  # mailto queries carry user= / pass=; database queries may carry passwords
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def _scheme_only(url: str) -> str:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    return f"{scheme}://***" if scheme else "***"
