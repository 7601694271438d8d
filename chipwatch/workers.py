"""Worker identity for leases: who holds an article or an alert while it is being worked on."""

from __future__ import annotations

import os
import socket
import uuid


def new_worker_id() -> str:
    """Host, process and a random suffix: unique even for two workers in one process, short enough for a column."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
