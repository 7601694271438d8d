"""WebSub subscriptions and source health (issue 18)

Revision ID: 0010_issue18_websub_health
Revises: 0010_issue15_article_fetch_state
Create Date: 2026-12-04 19:00:00

Two new tables, nothing changed in the old ones: `websub_subscriptions` (one per source pushed by a hub)
and `source_health` (one per source once it has been checked).
"""

import sqlalchemy as sa
from alembic import op

import chipwatch.storage.types

revision = "0010_issue18_websub_health"
down_revision = "0010_issue15_article_fetch_state"
branch_labels = None
depends_on = None

_WHEN = chipwatch.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "websub_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("sources.id"), nullable=False, unique=True),
        sa.Column("hub", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("callback_id", sa.String(64), nullable=False, unique=True),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("lease_seconds", sa.Integer(), nullable=True),
        sa.Column("requested_at", _WHEN, nullable=True),
        sa.Column("verified_at", _WHEN, nullable=True),
        sa.Column("expires_at", _WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_delivery_at", _WHEN, nullable=True),
        sa.Column("deliveries", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("refused", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "source_health",
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("sources.id"), primary_key=True),
        sa.Column("watching_since", _WHEN, nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("failing_since", _WHEN, nullable=True),
        sa.Column("episode", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("pending_batch", sa.JSON(), nullable=True),
        sa.Column("layout_failing", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("source_health")
    op.drop_table("websub_subscriptions")
