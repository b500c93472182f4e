"""attempts: tries counted per chat account (invite codes), for rate limits

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 18:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_attempt_kind_account_at', 'attempt', ['kind', 'account', 'at'])
    op.create_index(op.f('ix_attempt_at'), 'attempt', ['at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_attempt_at'), table_name='attempt')
    op.drop_index('ix_attempt_kind_account_at', table_name='attempt')
    op.drop_table('attempt')
