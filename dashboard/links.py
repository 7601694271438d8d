"""Only http(s) links become clickable: an article URL like `javascript:...` is shown as text."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_href(url: str | None) -> str | None:
    """The URL if its scheme is http or https, else None (the template then renders no link)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None
