"""Engine, sessions and schema upgrades. Call `open_database(url)` once per process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from chipwatch.storage.schema_lock import DEFAULT_WAIT_S, SchemaLockTimeout, upgrade_transaction

_MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(RuntimeError):
    """The database cannot be reached or upgraded; the message names the URL (masked) and the fix."""


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, upgrade: bool = True, lock_wait_s: float = DEFAULT_WAIT_S) -> Database:
    """Connect, bring the schema to the newest migration, and return a session factory.

    `lock_wait_s`: how long to wait for another process's schema upgrade before giving up with a clear error.
    """
    from chipwatch.redact import mask_url

    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    engine = _make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        if upgrade:
            upgrade_schema(engine, lock_wait_s=lock_wait_s)
    except SchemaLockTimeout as exc:
        engine.dispose()
        raise DatabaseError(f"database {mask_url(url)} could not be upgraded: {exc}") from None
    except DatabaseError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"database {mask_url(url)} is not reachable ({reason}); check `database:` or CHIPWATCH_DATABASE"
        ) from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"database {mask_url(url)} could not be prepared: {exc}") from None
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def upgrade_schema(engine: Engine, *, lock_wait_s: float = DEFAULT_WAIT_S) -> None:
    """Run Alembic migrations to head on this engine: idempotent, atomic, and one process at a time.

    The upgrade runs in one transaction under a database-level lock (`schema_lock`), so processes that open a
    fresh database together all succeed: the first creates the schema, the others find it at head.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if _at_head(conn, cfg):
            return  # the usual open: no lock taken, so a reader never waits for SQLite's write lock
        if sqlite:
            # SQLite's batch migrations rebuild a table (copy, drop, rename); with foreign keys on, dropping
            # `articles` while claims point at it fails. The pragma only takes effect outside a transaction.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with upgrade_transaction(conn, wait_s=lock_wait_s):
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseError(f"migration left {len(broken)} rows with broken foreign keys: {broken[:3]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _at_head(conn: Connection, cfg: Config) -> bool:
    """Whether the schema is already at the newest migration (read without any lock; the upgrade re-checks)."""
    try:
        current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        conn.rollback()
    return current == set(ScriptDirectory.from_config(cfg).get_heads())


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL lets the dashboard read while a cycle writes; foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
