"""How much the command line logs: quiet by default, `-v` INFO, `-vv` DEBUG.

By default only warnings and errors reach the terminal, chipwatch's and the libraries' (alembic's migration
lines, apprise's line per message, httpx's line per request, Prefect's run chatter stay out of it): progress
is the command's own output. The secret filter (chipwatch/log_guard.py) stays on at every level.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that speak at INFO about routine work; they follow -v like everyone else, and never go below WARNING
# without it, whatever they set for themselves.
LIBRARIES = ("alembic", "apprise", "httpx", "httpcore", "prefect", "urllib3", "uvicorn", "trafilatura", "asyncio")


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record arrives, not the stream it was created with: a CLI
    called in-process several times (tests, an embedding program) swaps stderr between calls, and a handler
    holding a closed stream would print "--- Logging error ---" with the record's raw arguments instead."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def level_for(verbosity: int) -> int:
    """0: WARNING, 1 (-v): INFO, 2 or more (-vv): DEBUG."""
    return logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG


def configure_logging(verbosity: int = 0) -> int:
    """Set the root logger and the chatty libraries to the level `verbosity` asks for; returns that level.
    Prefect reads its own level from the environment when it starts: it is set here unless the user set it."""
    level = level_for(verbosity)
    root = logging.getLogger()
    # One stderr handler of our own, added once; handlers others installed (a test's log capture) stay.
    if not any(getattr(h, "chipwatch_cli", False) for h in root.handlers):
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.chipwatch_cli = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(level)
    if verbosity > 0 or "PREFECT_LOGGING_LEVEL" not in os.environ:
        os.environ["PREFECT_LOGGING_LEVEL"] = logging.getLevelName(level)
    return level
