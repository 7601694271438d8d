"""Masking of secrets before anything is printed, logged or stored for display.

Two kinds of URL: those of sources and databases (`mask_url`: the host and path are public, passwords and
secret-looking query values are not), and apprise notification URLs (`mask_target`), which carry secrets in
every part: the password, the user (`matrixs://TOKEN@host`), the host (`discord://WEBHOOK_ID/...`), path
tokens (`tgram://BOT/CHAT`, `json://host/hook/SECRET`), headers (`?+X-Api-Key=`), payload fields
(`?-apikey=`, `?:token=`) and query values (`?token=`).

`mask_target` starts from apprise's own privacy rendering, which knows each service's secret fields, then
keeps of that rendering only what is known to be public and masks the rest: apprise masks no more than the
password of json/xml/form targets, and shows some service tokens whole.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

from chipwatch import log_guard

_QUERY_SECRET = re.compile(r"(?i)([?&](?:pass|password|token|key|secret|apikey|api_key|auth|user)[^=&]*=)[^&]*")
# Schemes of sources and databases (`postgresql+psycopg`); every other scheme is an apprise notification URL.
_SOURCE_SCHEMES = frozenset({"http", "https", "sqlite", "postgresql", "postgres", "mysql", "mariadb"})

# What apprise's privacy rendering already masked: `****`, `A...z` (first and last character), `...abcd`.
_APPRISE_MASKED = re.compile(r"^(\*+|.?\.\.\..?|\.\.\.[^./]{1,4})$")
# A host shown as written: a dotted name ending in a letters-only label, an IPv4 or IPv6 address, localhost.
# A single word or a dotted token (pushbullet's `o.Gn5...`) may be a credential and is masked.
_HOSTNAME = re.compile(
    r"^(localhost|\[[0-9A-Fa-f:.]+\]|\d{1,3}(\.\d{1,3}){3}|([A-Za-z0-9-]+\.)+[A-Za-z]{2,63})(:\d{1,5})?$"
)
_EMAIL = re.compile(r"^[^@\s/]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# Path words that are public by definition (they are written here): they stay readable in `json://h/hook`.
_PUBLIC_PATH_WORDS = frozenset(
    {"hook", "hooks", "webhook", "webhooks", "api", "notify", "notifications", "alert", "alerts", "send", "v1", "v2"}
)
# apprise options whose values are settings, not credentials (recipients too: where it goes, not how to get
# in); every other query value is masked.
_PUBLIC_OPTIONS = frozenset(
    {"format", "overflow", "emojis", "retry", "wait", "optional", "cto", "rto", "verify", "method", "mode"}
    | {"priority", "image", "batch", "region", "footer", "avatar", "tts", "preview", "silent", "detect", "mdv"}
    | {"content", "msgtype", "version", "discovery", "hsreq", "sound", "action", "lang", "to", "from", "cc", "bcc"}
)
_PIECES = re.compile(r"[/:@?&=#,;+\s]+")
_PUNCTUATION = re.compile(r"\W*")


def mask_url(url: str) -> str:
    """Hide passwords, tokens and secret-looking query values of a database or source URL; a notification
    URL (any other scheme) is masked by `mask_target`."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme.split("+", 1)[0] not in _SOURCE_SCHEMES:
        return mask_target(url) if scheme else "***"
    if scheme.startswith("sqlite"):
        return url.split("?", 1)[0]  # a file path, no credentials (urlunsplit would drop the slashes of `////`)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"{scheme}://***"
    host = parts.hostname or ""
    if port:
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}{':***' if parts.password is not None else ''}@{host}"
    query = _QUERY_SECRET.sub(r"\1***", "?" + parts.query)[1:] if parts.query else ""
    if scheme not in ("http", "https"):
        query = ""  # database queries may carry passwords
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def mask_target(url: str) -> str:
    """An apprise URL with every part that may be secret masked; `scheme://***` when apprise cannot read it."""
    return _mask_target(url)


@lru_cache(maxsize=1024)
def _mask_target(url: str) -> str:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if not scheme or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return "***"
    if any(_masked(p) for p in re.split(r"[/@:?&=]", url.split("://", 1)[1])):
        return _keep_public(url, _query_keys(url))  # masked already (a stored row): the same form again
    import apprise

    try:
        with log_guard.silenced():  # apprise logs the URL it loaded with header and payload values in clear
            plugin = apprise.Apprise.instantiate(url)
            rendered = plugin.url(privacy=True) if plugin is not None else None
        if rendered and "://" in rendered:
            return _keep_public(rendered, _query_keys(url))
    except Exception:  # a URL apprise chokes on is shown as its scheme only
        pass
    return f"{scheme}://***"


def secrets_of(url: str) -> list[str]:
    """The parts of an apprise URL that `mask_target` hides (user, password, host, path segments, values of
    query keys that are not plain settings, each whole and in pieces): what the log guard must replace
    wherever they appear."""
    masked = unquote(mask_target(url))
    shown = set(_pieces(masked)) | set(re.split(r"[/?&=]+", masked))
    head, _, query = url.split("://", 1)[-1].partition("?")
    values = [v for k, v in _pairs(query) if unquote(k).lower() not in _PUBLIC_OPTIONS]
    out: set[str] = set()
    for raw in [head, *values]:
        for text in {raw, unquote(raw)}:
            out.update(p for p in _pieces(text) if p not in shown)
    for raw in values:  # a whole value as well as its pieces: `Bearer abc` and `abc`
        out.update(t for t in {raw, unquote(raw)} if t not in shown and not _PUNCTUATION.fullmatch(t))
    return sorted(out, key=len, reverse=True)


def guard_logs(url: str) -> None:
    """From now on, no apprise or HTTP log record of this process shows a secret of `url`."""
    try:
        parts = urlsplit(url)
        basic = (unquote(parts.username or ""), unquote(parts.password)) if parts.password else None
    except ValueError:
        basic = None
    log_guard.register(secrets_of(url), basic)


def scrub(text: str, url: str) -> str:
    """`text` (a failure reason, a log line) with the secrets of `url` replaced by `***`."""
    guard_logs(url)
    return log_guard.scrub(text.replace(url, mask_target(url)))


def _keep_public(rendered: str, original_keys: set[str]) -> str:
    """Of apprise's privacy rendering, keep the scheme, hostnames, what apprise masked itself, public path
    words, channel names and e-mail addresses, and the query keys the user wrote (values of settings only)."""
    scheme, rest = rendered.split("://", 1)
    rest, _, query = rest.partition("?")  # '#' is not special here: apprise writes `/#channel` in paths
    netloc, slash, path = rest.partition("/")
    userinfo, _, hostport = netloc.rpartition("@")
    if userinfo:
        user, colon, password = userinfo.partition(":")
        user = user if colon or _masked(user) else "***"  # a user without a password may be a token
        password = password if _masked(password) else "****"
        netloc = f"{user}{':' + password if colon else ''}@"
    else:
        netloc = ""
    netloc += hostport if (not hostport or _HOSTNAME.match(hostport) or _masked(hostport)) else "***"
    segments = [_public_segment(s) for s in path.split("/")] if slash else []
    shown_path = "/".join(segments).rstrip("/")
    pairs = [
        f"{key}={value if unquote(key).lower() in _PUBLIC_OPTIONS else '***'}"
        for key, value in _pairs(query)
        if unquote(key).lower() in original_keys
    ]
    return f"{scheme}://{netloc}{slash}{shown_path}{'?' + '&'.join(pairs) if pairs else ''}"


def _public_segment(segment: str) -> str:
    text = unquote(segment)
    if not text or _masked(text) or text.lower() in _PUBLIC_PATH_WORDS or _EMAIL.match(text):
        return segment
    if text.startswith("#") and re.fullmatch(r"#[\w.-]{1,80}", text):
        return segment  # a channel or room name (`#general`): where it goes, not how to get in
    return "***"


def _masked(text: str) -> bool:
    return bool(_APPRISE_MASKED.match(text))


def _pairs(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (p.partition("=") for p in query.split("&") if p)]


def _query_keys(url: str) -> set[str]:
    query = url.partition("?")[2]
    return {unquote(k).lower() for k, _ in _pairs(query)}


def _pieces(text: str) -> list[str]:
    return [p for p in _PIECES.split(text) if not _PUNCTUATION.fullmatch(p)]
