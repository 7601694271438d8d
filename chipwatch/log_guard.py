"""Keeps notification secrets out of the log records apprise and the HTTP stack under it write.

apprise logs at DEBUG the URL it loaded (header and payload values in clear), the URL it posts to (path
tokens), and urllib3 logs every request line with its path and query. A logging filter on those loggers
rewrites each record with every registered secret replaced by `***`, so whatever handler is attached
(a log file, pytest's caplog, Prefect's) only ever sees the masked text. `silenced()` drops their records
in the current thread altogether, for the moments a URL is parsed before its secrets are known.

Filters on a logger run in the thread that logs, so both work under concurrent deliveries.
"""

from __future__ import annotations

import logging
import re
import threading
from base64 import b64encode
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import quote, quote_plus

# The loggers a send writes through: apprise itself, requests and urllib3, plus httpx and httpcore, whose request
# lines `-vv` shows (every submodule: a filter on a parent logger does not see its children's records).
_FAMILIES = ("apprise", "requests", "urllib3", "httpx", "httpcore")
_SHORT = 6  # a secret shorter than this is replaced only where it stands alone, not inside a longer word
# Shorter parts are not credentials (a chat id `1`, a path `/x`, a default port dropped from the URL): replacing
# `1` wherever it stands alone would garble every line (127.0.0.***). They are still masked where URLs are shown.
_MIN_LENGTH = 4


class _SecretFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._local = threading.local()

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            fresh = {v for s in secrets if len(s) >= _MIN_LENGTH for v in _variants(s)} - self._secrets
            if not fresh:
                return
            self._secrets |= fresh
            self._pattern = _compile(self._secrets)

    def scrub(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub("***", text) if pattern is not None else text

    @contextmanager
    def silenced(self) -> Iterator[None]:
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            yield
        finally:
            self._local.depth -= 1

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(self._local, "depth", 0):
            return False
        if self._pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: drop it rather than risk its arguments
            return False
        record.msg, record.args = self.scrub(message), None
        if record.exc_info:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_FILTER = _SecretFilter()
_installed: set[str] = set()
_install_lock = threading.Lock()


def _variants(secret: str) -> set[str]:
    """The forms a secret takes in a log line: as written, URL-quoted either way."""
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}


def _compile(secrets: set[str]) -> re.Pattern[str]:
    parts = []
    for s in sorted(secrets, key=len, reverse=True):  # longest first, so a secret inside another goes with it
        escaped = re.escape(s)
        parts.append(escaped if len(s) >= _SHORT else rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])")
    return re.compile("|".join(parts))


def install() -> None:
    """Attach the filter to every apprise, requests and urllib3 logger (idempotent; a logger created later,
    by a module imported later, is covered at the next call)."""
    import apprise  # noqa: F401  (importing it creates its loggers and those of requests and urllib3)

    with _install_lock:
        for name in [*_FAMILIES, *list(logging.root.manager.loggerDict)]:
            family = name in _FAMILIES or name.startswith(tuple(f + "." for f in _FAMILIES))
            if family and name not in _installed:
                logging.getLogger(name).addFilter(_FILTER)
                _installed.add(name)


def register(secrets: Iterable[str], basic_auth: tuple[str, str] | None = None) -> None:
    """Mask these strings (those of 4 characters or more) in every apprise / HTTP log record from now on;
    `basic_auth` (user, password) adds the Authorization header value requests would build from them."""
    install()
    found = list(secrets)
    if basic_auth is not None:
        found.append(b64encode(f"{basic_auth[0]}:{basic_auth[1]}".encode()).decode())
    _FILTER.add(found)


def scrub(text: str) -> str:
    """`text` with every registered secret replaced by `***` (for failure reasons that end up stored)."""
    return _FILTER.scrub(text)


@contextmanager
def silenced() -> Iterator[None]:
    """Drop every apprise / HTTP log record made in this thread inside the block (parsing a URL whose
    secrets are not known yet)."""
    install()
    with _FILTER.silenced():
        yield
