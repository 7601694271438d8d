"""Processes that open a fresh database at the same moment: the schema is created once, every one of them starts.

Real subprocesses, released together from a barrier after their imports, on a fresh SQLite file and on a fresh
throwaway PostgreSQL database; then the lock itself: a holder that never lets go gives a clear error, not a hang.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from chipwatch.storage import db as db_module
from chipwatch.storage.db import DatabaseError, open_database
from chipwatch.storage.models import Base
from chipwatch.storage.schema_lock import UPGRADE_LOCK_KEY

N = 4
OPENER = """
import sys
from chipwatch.storage.db import DatabaseError, open_database
print("ready", flush=True)
sys.stdin.readline()  # the barrier: every process has paid its imports before any of them opens
try:
    open_database(sys.argv[1]).dispose()
except DatabaseError as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return str(request.getfixturevalue("fresh_pg_url"))


def _head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(db_module.__file__).parent / "migrations"))
    (head,) = ScriptDirectory.from_config(cfg).get_heads()
    return head


def _open_together(url: str, n: int) -> list[subprocess.CompletedProcess[str]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    done = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return done


def test_four_processes_opening_a_fresh_database_together_all_start(fresh_url: str) -> None:
    results = _open_together(fresh_url, N)

    assert [r.returncode for r in results] == [0] * N, [r.stderr for r in results]
    engine = create_engine(fresh_url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert versions == [_head()]
        assert {t.name for t in Base.metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_run_once_four_times_at_once_on_a_fresh_database(tmp_path: Path) -> None:
    """The way the failure was met: `chipwatch run --once` started together, by hand or by a supervisor."""
    (tmp_path / "inbox").mkdir()
    config = tmp_path / "chipwatch.yaml"
    config.write_text(
        "database: sqlite:///cw.db\nsources:\n  - {name: inbox, kind: directory, path: ./inbox}\n", encoding="utf-8"
    )
    cmd = [sys.executable, "-m", "chipwatch", "run", "--once", "--config", str(config)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(N)]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]

    assert [code for _, _, code in results] == [0] * N, [err for _, err, _ in results]
    assert all("polled 1 sources" in out for out, _, _ in results)
    with sqlite3.connect(tmp_path / "cw.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(_head(),)]


def test_a_stuck_upgrade_on_sqlite_gives_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")  # another process's upgrade, mid-way
    url = f"sqlite:///{path}"
    try:
        with pytest.raises(DatabaseError, match=r"held.db could not be upgraded: .* more than 0.5 s .*write lock"):
            open_database(url, lock_wait_s=0.5)
        holder.execute("ROLLBACK")
        opened = open_database(url, lock_wait_s=0.5)  # the lock released: the same call goes through
        assert "claims" in inspect(opened.engine).get_table_names()
        opened.dispose()
    finally:
        holder.close()


@pytest.mark.postgres
def test_a_stuck_upgrade_on_postgresql_gives_a_clear_error_not_a_hang(fresh_pg_url: str) -> None:
    holder = psycopg.connect(fresh_pg_url.replace("+psycopg", ""), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", (UPGRADE_LOCK_KEY,))
    engine = create_engine(fresh_pg_url)
    try:
        with pytest.raises(DatabaseError, match=r"could not be upgraded: .* more than 0.5 s .*advisory lock"):
            open_database(fresh_pg_url, lock_wait_s=0.5)
        assert "claims" not in inspect(engine).get_table_names()  # it waited; it did not upgrade beside the holder
        holder.execute("SELECT pg_advisory_unlock(%s)", (UPGRADE_LOCK_KEY,))
        opened = open_database(fresh_pg_url, lock_wait_s=0.5)
        assert "claims" in inspect(opened.engine).get_table_names()
        opened.dispose()
    finally:
        holder.close()
        engine.dispose()
