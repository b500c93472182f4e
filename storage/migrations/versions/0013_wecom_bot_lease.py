"""wecom bot lease: which process holds the AI bot's long connection

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 12:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'wecom_bot_lease',
        sa.Column('bot_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('kicked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('bot_id'),
    )


def downgrade() -> None:
    op.drop_table('wecom_bot_lease')
