"""fact concepts: facts keyed by concept, kind and plan; figures keep offsets, language, kind, concept

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('concept_key', sa.String(length=128), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('plan', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('match_key', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('series_key', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('loose_key', sa.String(length=400), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_facts_match_key'), ['match_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_facts_loose_key'), ['loose_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_facts_series_key'), ['series_key'], unique=False)
    with op.batch_alter_table('figures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('start_offset', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('end_offset', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('concept_key', sa.String(length=128), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('plan', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('previous_value', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('figures', schema=None) as batch_op:
        for name in ('previous_value', 'plan', 'concept_key', 'language', 'end_offset', 'start_offset', 'kind'):
            batch_op.drop_column(name)
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facts_series_key'))
        batch_op.drop_index(batch_op.f('ix_facts_match_key'))
        batch_op.drop_index(batch_op.f('ix_facts_loose_key'))
        for name in ('loose_key', 'series_key', 'match_key', 'plan', 'kind', 'concept_key'):
            batch_op.drop_column(name)
