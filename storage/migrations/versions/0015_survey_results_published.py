"""survey results published: a survey's results go out once, and it is never reopened after

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 09:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
    # Surveys closed before this revision already sent their results: they count as published.
    op.execute("UPDATE survey SET results_at = closed_at WHERE state = 'closed'")


def downgrade() -> None:
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('results_at')
