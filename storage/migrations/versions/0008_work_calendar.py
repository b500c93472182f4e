"""work calendar: holiday schedules imported by the office, one year at a time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 20:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'work_calendar_day',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('workday', sa.Boolean(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('year', 'day'),
    )


def downgrade() -> None:
    op.drop_table('work_calendar_day')
