"""ingestion: article aliases and near-duplicate fingerprints

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import chipwatch.storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("created_at", chipwatch.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    with op.batch_alter_table("article_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_aliases_article_id"), ["article_id"], unique=False)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("simhash", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_articles_duplicate_of", "articles", ["duplicate_of"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint("fk_articles_duplicate_of", type_="foreignkey")
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("simhash")
    with op.batch_alter_table("article_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_aliases_article_id"))
    op.drop_table("article_aliases")
