"""one pending extension per case, kept by a partial unique index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('uq_extension_pending', 'extension', ['case_id'], unique=True,
                    sqlite_where=sa.text('approved IS NULL'),
                    postgresql_where=sa.text('approved IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_extension_pending', table_name='extension')
