"""dashboard: claim_tags and claim_search (backfilled), per-filter claim indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 14:30:00
"""

import json

import sqlalchemy as sa
from alembic import op

import chipwatch.storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_CLAIM_INDEXES = {
    'ix_claims_stance_id': ['stance', 'id'],
    'ix_claims_language_id': ['language', 'id'],
    'ix_claims_notable_id': ['notable', 'id'],
    'ix_claims_score_id': ['score', 'id'],
}


def upgrade() -> None:
    op.create_table(
        'claim_search',
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('folded', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('claim_id'),
    )
    op.create_table(
        'claim_tags',
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('value', sa.String(length=100), nullable=False),
        sa.Column('created_at', chipwatch.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('stance', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('claim_id', 'kind', 'value'),
    )
    op.create_index('ix_claim_tags_kind_value_claim', 'claim_tags', ['kind', 'value', 'claim_id'], unique=False)
    op.create_index(
        'ix_claim_tags_kind_value_created_stance', 'claim_tags', ['kind', 'value', 'created_at', 'stance'], unique=False
    )
    for name, columns in _CLAIM_INDEXES.items():
        op.create_index(name, 'claims', columns, unique=False)
    _backfill()
    _trigram_index()


def _backfill() -> None:
    """Tags and search rows for claims stored before this revision, in id batches to bound memory.
    Same rules as storage.claims.add_claims (casefold; tag_pairs)."""
    from chipwatch.storage.claims import fold_text, tag_pairs

    conn = op.get_bind()
    claims = sa.table(
        'claims',
        sa.column('id', sa.Integer),
        sa.column('article_id', sa.Integer),
        sa.column('text', sa.Text),
        sa.column('entities', sa.JSON),
        sa.column('topics', sa.JSON),
        sa.column('created_at'),  # untyped: passed through to claim_tags exactly as stored
        sa.column('stance', sa.String),
    )
    articles = sa.table('articles', sa.column('id', sa.Integer), sa.column('source_id', sa.Integer))
    search = sa.table('claim_search', sa.column('claim_id'), sa.column('folded'))
    tags = sa.table(
        'claim_tags', sa.column('claim_id'), sa.column('kind'), sa.column('value'), sa.column('created_at'),
        sa.column('stance'),
    )
    last = 0
    while True:
        batch = conn.execute(
            sa.select(
                claims.c.id, claims.c.text, claims.c.entities, claims.c.topics, claims.c.created_at, claims.c.stance,
                articles.c.source_id,
            )
            .join(articles, claims.c.article_id == articles.c.id)
            .where(claims.c.id > last)
            .order_by(claims.c.id)
            .limit(2000)
        ).all()
        if not batch:
            return
        rows = []
        for claim_id, _text, entities, topics, created_at, stance, source_id in batch:
            entities = json.loads(entities) if isinstance(entities, str) else entities
            topics = json.loads(topics) if isinstance(topics, str) else topics
            for kind, value in tag_pairs(entities or [], topics or [], source_id):
                rows.append({'claim_id': claim_id, 'kind': kind, 'value': value, 'created_at': created_at,
                             'stance': stance})
        if rows:
            conn.execute(tags.insert(), rows)
        conn.execute(search.insert(), [{'claim_id': row[0], 'folded': fold_text(row[1])} for row in batch])
        last = batch[-1][0]


def _trigram_index() -> None:
    """PostgreSQL: a pg_trgm GIN index so free-text search (LIKE '%word%', 3+ characters) need not
    read every claim.

    pg_trgm is a trusted extension (a database owner may create it), but a server built without
    contrib lacks it: then search still works, by a sequential scan, and nothing fails.
    """
    conn = op.get_bind()
    if conn.dialect.name != 'postgresql':
        return
    savepoint = conn.begin_nested()
    try:
        conn.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
        conn.execute(
            sa.text('CREATE INDEX ix_claim_search_folded_trgm ON claim_search USING gin (folded gin_trgm_ops)')
        )
        savepoint.commit()
    except sa.exc.DBAPIError:
        savepoint.rollback()


def downgrade() -> None:
    op.drop_table('claim_search')
    for name in _CLAIM_INDEXES:
        op.drop_index(name, table_name='claims')
    op.drop_index('ix_claim_tags_kind_value_created_stance', table_name='claim_tags')
    op.drop_index('ix_claim_tags_kind_value_claim', table_name='claim_tags')
    op.drop_table('claim_tags')
