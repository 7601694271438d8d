"""claim clusters: the same fact or event across sources and languages, contradictions (issue 17)

Revision ID: 0010_issue17_claim_clusters
Revises: 0010_issue18_websub_health
Create Date: 2026-12-04 19:00:00

New tables claim_clusters, cluster_sources, claim_contradictions; claims gain `cluster_id` and `novelty`,
both nullable with no default: added in place on SQLite and without a table rewrite on PostgreSQL. Claims
stored before this migration stay unclustered (cluster_id NULL) until `chipwatch` clusters them: new claims
are clustered as they are stored.
"""

import sqlalchemy as sa
from alembic import op

import chipwatch.storage.types
from chipwatch.storage.types import RowId

revision = "0010_issue17_claim_clusters"
down_revision = "0010_issue18_websub_health"
branch_labels = None
depends_on = None

_when = chipwatch.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "claim_clusters",
        sa.Column("id", RowId, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("slot", sa.String(400), nullable=False),
        sa.Column("entity", sa.String(100), nullable=False),
        sa.Column("metric", sa.String(40)),
        sa.Column("period", sa.String(20)),
        sa.Column("unit", sa.String(40)),
        sa.Column("topic", sa.String(100)),
        sa.Column("value", sa.Float()),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("source_count", sa.Integer(), nullable=False),
        sa.Column("contradictions", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("first_claim_id", RowId, nullable=False),
        sa.Column("first_source_id", sa.Integer(), nullable=False),
        sa.Column("first_seen", _when, nullable=False),
        sa.Column("last_seen", _when, nullable=False),
        sa.Column("last_bullish_claim_id", RowId),
        sa.Column("last_bullish_at", _when),
        sa.Column("last_bearish_claim_id", RowId),
        sa.Column("last_bearish_at", _when),
        sa.Column("stance_contradicted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_claim_clusters_slot_value", "claim_clusters", ["slot", "value"])
    op.create_index("ix_claim_clusters_entity_metric_period", "claim_clusters", ["entity", "metric", "period"])
    op.create_index("ix_claim_clusters_entity_id", "claim_clusters", ["entity", "id"])
    op.create_index("ix_claim_clusters_last_seen", "claim_clusters", ["last_seen"])
    op.create_index(
        "ix_claim_clusters_contradicted",
        "claim_clusters",
        ["id"],
        sqlite_where=sa.text("contradictions > 0"),
        postgresql_where=sa.text("contradictions > 0"),
    )
    op.create_table(
        "cluster_sources",
        sa.Column("cluster_id", RowId, sa.ForeignKey("claim_clusters.id"), primary_key=True),
        sa.Column("source_id", sa.Integer(), primary_key=True),
        sa.Column("first_claim_id", RowId, nullable=False),
    )
    op.create_table(
        "claim_contradictions",
        sa.Column("id", RowId, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("cluster_a_id", RowId, sa.ForeignKey("claim_clusters.id"), nullable=False),
        sa.Column("cluster_b_id", RowId, sa.ForeignKey("claim_clusters.id"), nullable=False),
        sa.Column("claim_a_id", RowId, nullable=False),
        sa.Column("claim_b_id", RowId, nullable=False),
        sa.Column("entity", sa.String(100), nullable=False),
        sa.Column("metric", sa.String(40)),
        sa.Column("period", sa.String(20)),
        sa.Column("created_at", _when, nullable=False),
    )
    op.create_index(
        "ix_claim_contradictions_pair", "claim_contradictions", ["kind", "cluster_a_id", "cluster_b_id"], unique=True
    )
    op.create_index("ix_claim_contradictions_cluster_a_id", "claim_contradictions", ["cluster_a_id"])
    op.create_index("ix_claim_contradictions_cluster_b_id", "claim_contradictions", ["cluster_b_id"])
    if op.get_bind().dialect.name == "sqlite":
        # In place, with an inline REFERENCES (Alembic would rebuild the whole table for the constraint).
        op.execute("ALTER TABLE claims ADD COLUMN cluster_id INTEGER REFERENCES claim_clusters (id)")
    else:
        op.add_column("claims", sa.Column("cluster_id", RowId, sa.ForeignKey("claim_clusters.id"), nullable=True))
    op.add_column("claims", sa.Column("novelty", sa.String(20), nullable=True))
    op.create_index("ix_claims_cluster_id", "claims", ["cluster_id"])


def downgrade() -> None:
    op.drop_index("ix_claims_cluster_id", table_name="claims")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("novelty")
        batch_op.drop_column("cluster_id")
    op.drop_table("claim_contradictions")
    op.drop_table("cluster_sources")
    op.drop_table("claim_clusters")
