"""issue 19: alert_claims (per-claim dedup records under grouped outbox rows) and source_polls (poll history)

Revision ID: 0010_issue19_monitor
Revises: 0010_issue17_claim_clusters
Create Date: 2026-12-04 19:00:00

An immediate alert now lists every matching claim of one article in one message. Exactly-once per
(rule, claim, target) moves from the outbox row's dedup key to this table's primary key. Rows queued before
this migration each concern one claim: they get one record each, so a claim already alerted (or waiting to
be) is never alerted again. Cancelled rows get none: if their claim comes back it is alerted then.

source_polls: one row per poll that contacted a source (time, duration, HTTP status, entries listed, new
articles, error), pruned to `http.poll_history` as new polls are recorded. Starts empty.
"""

import sqlalchemy as sa
from alembic import op

from chipwatch.storage.types import RowId, UTCDateTime

revision = "0010_issue19_monitor"
down_revision = "0010_issue17_claim_clusters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_claims",
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("claim_id", RowId, nullable=False),
        sa.Column("target_hash", sa.String(length=64), nullable=False),
        sa.Column("alert_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"]),
        sa.PrimaryKeyConstraint("rule", "claim_id", "target_hash"),
    )
    op.create_index("ix_alert_claims_alert_key", "alert_claims", ["alert_key"], unique=False)
    op.execute(
        "INSERT INTO alert_claims (rule, claim_id, target_hash, alert_key) "
        "SELECT rule, claim_id, target_hash, MIN(dedup_key) FROM alerts "
        "WHERE kind = 'immediate' AND claim_id IS NOT NULL AND state <> 'cancelled' "
        "GROUP BY rule, claim_id, target_hash"
    )


    op.create_table(
        "source_polls",
        sa.Column("id", RowId, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("new_articles", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_source_polls_source_started", "source_polls", ["source_id", "started_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_source_polls_source_started", table_name="source_polls")
    op.drop_table("source_polls")
    op.drop_index("ix_alert_claims_alert_key", table_name="alert_claims")
    op.drop_table("alert_claims")
