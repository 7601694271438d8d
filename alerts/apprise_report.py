"""What apprise says about one send, and whether a failed send may still have reached the target.

apprise's `notify()` only returns False. Its plugins log why: a warning for the user, and the exception
itself at DEBUG ("Socket Exception: ... Read timed out."). Those debug lines are the only place where a
read timeout (the request went out, the answer did not come) differs from a refused connection (nothing
went out), so chipwatch reads them here. They also carry headers and payloads in clear, so they are
recorded for the sending thread only and never passed on: a record leaves apprise's logger exactly when
it would have without this capture.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

_LOGGER = logging.getLogger("apprise")
_EXCEPTION = "Socket Exception:"
# The request never left: no connection, no name, no TLS session. Checked first: these win.
_NOT_SENT = re.compile(
    r"NewConnectionError|ConnectTimeout|connect timeout|Connection refused|NameResolutionError|Failed to resolve"
    r"|Name or service not known|Temporary failure in name resolution|No route to host|Network is unreachable"
    r"|SSLError|CERTIFICATE_VERIFY_FAILED|ProxyError",
    re.IGNORECASE,
)
# The request was written and the answer did not come, or the connection ended before it did.
_READ_TIMEOUT = re.compile(r"Read timed out|read timeout|\btimed out\b", re.IGNORECASE)
_DROPPED = re.compile(
    r"Connection aborted|RemoteDisconnected|Connection reset|Broken pipe|IncompleteRead|Connection broken"
    r"|SMTPServerDisconnected",
    re.IGNORECASE,
)

Unanswered = Literal["timeout", "dropped"]


@dataclass
class AppriseReport:
    """apprise's log lines of one send, oldest first, as (level, message)."""

    lines: list[tuple[int, str]]

    def reason(self) -> str | None:
        """The last warning or error apprise gave: the failure as apprise words it for users."""
        warnings = [msg.strip() for level, msg in self.lines if level >= logging.WARNING and msg.strip()]
        return warnings[-1] if warnings else None

    def unanswered(self) -> Unanswered | None:
        """How a failed send may still have reached its target: `timeout` (sent, no answer in time),
        `dropped` (the connection ended after it was open), or None (never sent, or the target answered
        with an error)."""
        for _, msg in reversed(self.lines):
            if not msg.startswith(_EXCEPTION):
                continue
            if _NOT_SENT.search(msg):
                return None
            if _READ_TIMEOUT.search(msg):
                return "timeout"
            if _DROPPED.search(msg):
                return "dropped"
            return None
        return None


class _Recorder(logging.Filter):
    """Installed on apprise's logger while at least one thread sends: records each sending thread's lines
    and lets through only what apprise's logger would have let through without it."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.buffers: dict[int, list[tuple[int, str]]] = {}
        self.own_level = logging.NOTSET
        self.passes = logging.WARNING

    def filter(self, record: logging.LogRecord) -> bool:
        buffer = self.buffers.get(record.thread or 0)
        if buffer is not None:
            buffer.append((record.levelno, record.getMessage()))
        return record.levelno >= self.passes

    @contextmanager
    def recording(self) -> Iterator[list[tuple[int, str]]]:
        me = threading.get_ident()
        buffer: list[tuple[int, str]] = []
        with self.lock:
            if not self.buffers:
                self.own_level, self.passes = _LOGGER.level, _LOGGER.getEffectiveLevel()
                _LOGGER.addFilter(self)
                _LOGGER.setLevel(logging.DEBUG)
            self.buffers[me] = buffer
        try:
            yield buffer
        finally:
            with self.lock:
                del self.buffers[me]
                if not self.buffers:
                    _LOGGER.setLevel(self.own_level)
                    _LOGGER.removeFilter(self)


_RECORDER = _Recorder()


@contextmanager
def apprise_report() -> Iterator[AppriseReport]:
    """Collect what apprise logs in this thread while the block runs (one send per block)."""
    with _RECORDER.recording() as lines:
        yield AppriseReport(lines)
