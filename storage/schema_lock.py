"""One schema upgrade at a time: a database-level lock held around Alembic's upgrade.

Several processes may open a fresh database at once (`run --once` beside `serve`, two workers). Without a lock
each sees no `alembic_version` and all of them create the tables; every one but the first fails. Under the lock
the first upgrades and the others, once they get it, find the schema at head and do nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

# The PostgreSQL advisory-lock key for schema upgrades: a fixed 64-bit number that only this purpose uses
# (the first eight bytes of sha256(b"chipwatch schema upgrade"), as a signed bigint). Advisory locks are per
# database, so two chipwatch databases on one server never wait for each other.
UPGRADE_LOCK_KEY = 8753171044809716810

# How long a starting process waits for another one's upgrade. A first upgrade of a large database (an index
# backfill over millions of claims) takes minutes; a holder that has not finished by then is stuck, not slow.
DEFAULT_WAIT_S = 300.0


class SchemaLockTimeout(RuntimeError):
    """Another process held the upgrade lock for longer than this one would wait."""


@contextmanager
def upgrade_transaction(conn: Connection, *, wait_s: float = DEFAULT_WAIT_S) -> Iterator[None]:
    """A transaction on `conn` that no other process's schema upgrade runs beside; commit on success."""
    if conn.dialect.name == "sqlite":
        with _sqlite_immediate(conn, wait_s):
            yield
    elif conn.dialect.name == "postgresql":
        with conn.begin():
            _pg_advisory_lock(conn, wait_s)
            yield
    else:  # no known lock: the upgrade still runs, as before, in one transaction
        with conn.begin():
            yield


@contextmanager
def _sqlite_immediate(conn: Connection, wait_s: float) -> Iterator[None]:
    """BEGIN IMMEDIATE: SQLite's write lock for the whole upgrade, so DDL and the version row commit together.

    Python's sqlite3 driver opens transactions only before INSERT/UPDATE/DELETE and runs DDL in autocommit;
    with its implicit handling switched off, the explicit BEGIN makes every CREATE and ALTER part of one
    transaction, taken with the write lock at once so two upgrades cannot interleave.
    """
    raw = conn.connection.driver_connection
    previous_level = raw.isolation_level  # type: ignore[union-attr]
    previous_busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    raw.isolation_level = None  # type: ignore[union-attr]
    conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_s * 1000)}")
    conn.commit()  # end SQLAlchemy's autobegun transaction (the pragmas opened none in SQLite)
    try:
        with conn.begin():
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except OperationalError as exc:
                if "locked" not in str(exc.orig):
                    raise
                raise SchemaLockTimeout(_held_too_long(wait_s, "SQLite's write lock on the file")) from None
            yield
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous_busy or 0)}")
        conn.commit()
        raw.isolation_level = previous_level  # type: ignore[union-attr]


def _pg_advisory_lock(conn: Connection, wait_s: float) -> None:
    """pg_advisory_xact_lock on the fixed key: released by the commit or rollback that ends the upgrade."""
    previous = conn.exec_driver_sql("SHOW lock_timeout").scalar()
    conn.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{int(wait_s * 1000)}ms"})
    try:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK_KEY})
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise SchemaLockTimeout(
            _held_too_long(wait_s, f"the advisory lock {UPGRADE_LOCK_KEY} (pg_locks, locktype advisory)")
        ) from None
    conn.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": str(previous)})


def _held_too_long(wait_s: float, lock: str) -> str:
    return (
        f"another process has been upgrading the schema for more than {wait_s:g} s and still holds {lock}; "
        "let it finish, or stop the stuck chipwatch process and start again"
    )
