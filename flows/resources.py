"""Settings and database handles for tasks, opened once per worker process (not at import)."""

from __future__ import annotations

from functools import lru_cache

from chipwatch.settings import Settings, load_settings
from chipwatch.storage.db import Database, open_database


@lru_cache(maxsize=8)
def settings_for(config: str) -> Settings:
    return load_settings(config)


@lru_cache(maxsize=8)
def database_for(url: str) -> Database:
    return open_database(url)
