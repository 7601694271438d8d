"""Choices for the filter form (entities, topics, sources), cached for a minute per app.

They change only when a new entity or source first appears, and computing them costs a few dozen
index seeks: on PostgreSQL that was a third of the claims page's time at 100k claims.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from chipwatch.storage.queries import known_values, source_names


@dataclass(frozen=True)
class Choices:
    entities: list[str]
    topics: list[str]
    sources: list[str]


class PickerCache:
    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value: Choices | None = None
        self._at = 0.0

    def get(self, session: Session) -> Choices:
        with self._lock:
            if self._value is not None and time.monotonic() - self._at < self.ttl:
                return self._value
        value = Choices(known_values(session, "entity"), known_values(session, "topic"), source_names(session))
        with self._lock:
            self._value, self._at = value, time.monotonic()
        return value
