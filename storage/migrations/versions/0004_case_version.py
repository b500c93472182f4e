"""case version: every update of a case is conditional on the version it read

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 16:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('problem_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('problem_case', schema=None) as batch_op:
        batch_op.drop_column('version')
