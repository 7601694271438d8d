"""alert_claims: the per-claim dedup record under outbox rows that group the claims of one article (issue 19)

Revision ID: 0010_issue19_alert_claims
Revises: 0009_64bit_ids
Create Date: 2026-12-04 19:00:00

An immediate alert now lists every matching claim of one article in one message. Exactly-once per
(rule, claim, target) moves from the outbox row's dedup key to this table's primary key. Rows queued before
this migration each concern one claim: they get one record each, so a claim already alerted (or waiting to
be) is never alerted again. Cancelled rows get none: if their claim comes back it is alerted then.
"""

import sqlalchemy as sa
from alembic import op

from chipwatch.storage.types import RowId

revision = "0010_issue19_alert_claims"
down_revision = "0009_64bit_ids"
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


def downgrade() -> None:
    op.drop_index("ix_alert_claims_alert_key", table_name="alert_claims")
    op.drop_table("alert_claims")
