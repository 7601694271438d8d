"""Links the dashboard writes: only http(s) article links become clickable, and every redirect it sends
stays on this site.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlencode, urlsplit


def safe_href(url: str | None) -> str | None:
    """The URL if its scheme is http or https, else None (the template then renders no link)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def same_site_path(path: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """A redirect target that can only point at this site: one leading slash, the rest percent-encoded.

    `path` is the decoded request path, which a client chooses: `//evil.example/x` (or `/%2F/evil.example`,
    `/\\evil.example`) copied into a Location header is a link to another site, as browsers read `//` and
    `/\\` there as the start of a host name.
    """
    target = "/" + quote(path.lstrip("/\\"), safe="/")
    query = urlencode(list(params))
    return target + ("?" + query if query else "")
