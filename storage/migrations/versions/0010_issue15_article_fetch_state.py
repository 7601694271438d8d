"""article fetch state: entries stored from the feed when their page cannot be fetched, retried later

Revision ID: 0010_issue15_article_fetch_state
Revises: 0009_64bit_ids
Create Date: 2026-12-04 19:00:00

Articles gain fetch_state (fetched | pending | failed | none), fetch_attempts, fetch_next_at and fetch_error;
sources gain entries_listed (how many entries the last listing held). Every column is added in place (a
constant default or NULL), so neither SQLite nor PostgreSQL rewrites a table; every article stored before
had its page, hence `fetched`.
"""

import sqlalchemy as sa
from alembic import op

import chipwatch.storage.types

revision = "0010_issue15_article_fetch_state"
down_revision = "0009_64bit_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fetch_state", sa.String(10), nullable=False, server_default="fetched"))
        batch_op.add_column(sa.Column("fetch_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("fetch_next_at", chipwatch.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("fetch_error", sa.Text(), nullable=True))
    # Due page retries of one source, and the per-source counts of pending and failed pages.
    op.create_index("ix_articles_fetch_due", "articles", ["fetch_state", "source_id", "fetch_next_at"])
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entries_listed", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("entries_listed")
    op.drop_index("ix_articles_fetch_due", table_name="articles")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("fetch_error")
        batch_op.drop_column("fetch_next_at")
        batch_op.drop_column("fetch_attempts")
        batch_op.drop_column("fetch_state")
