"""Throwaway databases for the benches. PostgreSQL comes from one variable, the same one the tests read:
CHIPWATCH_TEST_PG, an admin URL of a server the benches may create and drop databases on
(default postgresql://postgres@127.0.0.1:5432/postgres)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_ADMIN = os.environ.get("CHIPWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")


def pg_url(dbname: str, driver: str = "psycopg") -> str:
    """The URL of database `dbname` on the CHIPWATCH_TEST_PG server, for SQLAlchemy with `driver`."""
    return f"{PG_ADMIN.rsplit('/', 1)[0].replace('postgresql://', f'postgresql+{driver}://')}/{dbname}"


@contextmanager
def pg_database(prefix: str = "chipwatch_bench") -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards; yields its name."""
    import psycopg

    dbname = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield dbname
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database on `backend` (sqlite: a temporary file), removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
    elif backend == "postgresql":
        with pg_database() as name:
            yield pg_url(name)
    else:
        raise SystemExit(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
