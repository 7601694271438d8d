"""What a flow run opens once and hands down to its tasks: the validated settings and the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from chipwatch.config import Settings, load_settings
from chipwatch.storage.db import Database, open_database


@contextmanager
def opened(config: str) -> Iterator[tuple[Settings, Database]]:
    """Settings loaded from `config` and the database they name, closed when the flow run ends."""
    settings = load_settings(config)
    db = open_database(settings.database)
    try:
        yield settings, db
    finally:
        db.dispose()
