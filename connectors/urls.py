"""Canonical URLs: the same article reached by different spellings gets one key."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only track the click or the session, never select content.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci", "__hs", "_hs")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "igshid", "mkt_tok", "spm",
        "scm", "from", "ref", "ref_src", "ref_url", "share", "share_token", "source", "_ga", "sessionid",
        "phpsessid", "jsessionid", "sid", "wt.mc_id", "cmpid", "ncid", "ocid", "s_cid",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    key = name.lower()
    return key in _TRACKING_NAMES or key.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default port, fragment, tracking parameters and a trailing
    `?`; sort the remaining query so parameter order does not matter; normalise percent-escapes."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "file":
        return urlunsplit((scheme, "", parts.path, "", ""))
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k))
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def same_site(a: str, b: str) -> bool:
    """Same host, ignoring case and a leading `www.` (a listing on www. linking to the bare host)."""

    def host(u: str) -> str:
        return (urlsplit(u).hostname or "").lower().removeprefix("www.")

    return host(a) == host(b) and urlsplit(a).port == urlsplit(b).port
