"""drop articles.band4..band7: the fingerprint has four 16-bit bands (extract.dedup.bands); the other four
columns were always NULL, yet each carried an index that every article insert had to maintain

Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35), not a table rebuild: the FTS
triggers on ``articles`` (0005) stay as they are.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

UNUSED = ('band4', 'band5', 'band6', 'band7')


def upgrade() -> None:
    for column in UNUSED:
        op.drop_index(f'ix_articles_{column}', table_name='articles')
        op.drop_column('articles', column)


def downgrade() -> None:
    for column in UNUSED:
        op.add_column('articles', sa.Column(column, sa.Integer(), nullable=True))
        op.create_index(f'ix_articles_{column}', 'articles', [column], unique=False)
