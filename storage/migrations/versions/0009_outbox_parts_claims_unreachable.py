"""outbox: claim tokens and parts sent; channel identities: unreachable since

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 21:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('parts_sent', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('channelidentity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unreachable_since', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('unreachable_reason',
                                      sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('channelidentity', schema=None) as batch_op:
        batch_op.drop_column('unreachable_reason')
        batch_op.drop_column('unreachable_since')
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_column('parts_sent')
        batch_op.drop_column('claim_token')
