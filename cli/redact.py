"""Masking of secrets before anything is printed, logged or stored for display."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_QUERY_SECRET = re.compile(r"(?i)([?&](?:pass|password|token|key|secret|apikey|api_key|auth)[^=&]*=)[^&]*")


def mask_url(url: str) -> str:
    """Hide the user-info password and secret-looking query values of a URL (apprise or database).

    Notification URLs carry credentials in the user-info part (`mailto://user:pass@host`) and in
    paths (`tgram://BOTTOKEN/CHAT`); for non-HTTP schemes we keep only scheme and host, because any
    path segment may be a token.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    if not parts.scheme:
        return "***"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username:
        user = parts.username if parts.password is None else f"{parts.username}:***"
        host = f"{user}@{host}"
    if parts.scheme in ("http", "https", "json", "jsons", "form", "forms", "xml", "xmls"):
        query = _QUERY_SECRET.sub(r"\1***", "?" + parts.query)[1:] if parts.query else ""
        return urlunsplit((parts.scheme, host, parts.path, query, ""))
    if parts.scheme.startswith(("sqlite", "postgresql")):
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    suffix = "/***" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{suffix}"
