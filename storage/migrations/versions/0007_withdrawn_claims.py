"""withdrawn claims: claims.withdrawn_at, set when a changed article no longer makes the claim

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import chipwatch.storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column with no default: SQLite adds it in place (no table rebuild), PostgreSQL without
    # rewriting the table; every claim stored before is current (NULL). Alert rows need no change: the
    # new `cancelled` state is a value of the existing string column.
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", chipwatch.storage.types.UTCDateTime(timezone=True), nullable=True))
    # Partial (only withdrawn rows): small, and never picked for the lists' `withdrawn_at IS NULL`.
    op.create_index(
        "ix_claims_withdrawn",
        "claims",
        ["withdrawn_at"],
        unique=False,
        sqlite_where=sa.text("withdrawn_at IS NOT NULL"),
        postgresql_where=sa.text("withdrawn_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_claims_withdrawn", table_name="claims")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
