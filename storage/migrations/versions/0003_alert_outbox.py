"""alert outbox: sending leases, kinds and formats, digest items

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import chipwatch.storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), server_default="immediate", nullable=False))
        batch_op.add_column(sa.Column("body_format", sa.String(length=10), server_default="text", nullable=False))
        batch_op.add_column(sa.Column("digest_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("lease_until", chipwatch.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_alerts_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_alerts_rule_kind_created", ["rule", "kind", "created_at"], unique=False)

    op.create_table(
        "alert_digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("created_at", chipwatch.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("digest_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alert_digest_items", schema=None) as batch_op:
        batch_op.create_index("ix_alert_digest_items_rule_claim", ["rule", "claim_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_alert_digest_items_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_digest_items_digest_key"), ["digest_key"], unique=False)


def downgrade() -> None:
    op.drop_table("alert_digest_items")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_rule_kind_created")
        batch_op.drop_index("ix_alerts_due")
        for column in ("lease_until", "claimed_by", "digest_key", "body_format", "kind"):
            batch_op.drop_column(column)
