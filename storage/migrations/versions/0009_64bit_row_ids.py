"""64-bit row ids: articles, claims, alerts and every table keyed by them (issue 16, item 4)

Revision ID: 0009_64bit_ids
Revises: 0008_masked_targets
Create Date: 2026-11-26 10:00:00

PostgreSQL's `serial` ids are 32-bit: the 2,147,483,648th claim (or alert) would fail to insert, and an id
above 2^31 in a URL or cursor failed with "integer out of range". This widens those ids and the columns that
point at them to BIGINT, and their sequences to `AS bigint` (a sequence created for a serial column keeps
the 32-bit maximum even when its column is widened).

SQLite needs nothing: its INTEGER columns hold 64-bit values already, and `id INTEGER PRIMARY KEY` is the alias
of the 64-bit rowid, which a rebuilt BIGINT column would no longer be.

Cost on PostgreSQL: each table is rewritten once, under an exclusive lock, in the one migration transaction
(the columns of one table change in one ALTER TABLE). Stop the workers and the dashboard while it runs.
"""

from alembic import op

revision = "0009_64bit_ids"
down_revision = "0008_masked_targets"
branch_labels = None
depends_on = None

# table -> its columns holding an id of a growing table; the tables whose own `id` is numbered by a sequence
# are those listing "id".
_WIDENED = {
    "articles": ("id", "duplicate_of"),
    "article_aliases": ("id", "article_id"),
    "claims": ("id", "article_id"),
    "claim_tags": ("claim_id",),
    "claim_search": ("claim_id",),
    "alerts": ("id", "claim_id"),
    "alert_digest_items": ("id", "claim_id"),
}


def upgrade() -> None:
    _retype("BIGINT", "bigint")


def downgrade() -> None:
    # Fails (and rolls back) once any id is above 2^31 - 1: such rows cannot be kept in 32 bits.
    _retype("INTEGER", "integer")


def _retype(column_type: str, sequence_type: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in _WIDENED.items():
        changes = ", ".join(f"ALTER COLUMN {column} TYPE {column_type}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")
        if "id" in columns:
            op.execute(
                f"DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s AS {sequence_type}', "
                f"pg_get_serial_sequence('{table}', 'id')); END $$"
            )
