"""notices: the notice, its files and its recipients

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('audience', sa.JSON(), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('repings', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['person.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_notice_author_created', 'notice', ['author_id', 'created_at'],
                    unique=False)
    op.create_index(op.f('ix_notice_created_at'), 'notice', ['created_at'], unique=False)
    op.create_table(
        'noticefile',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('ext', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_noticefile_notice_id'), 'noticefile', ['notice_id'], unique=False)
    op.create_table(
        'noticerecipient',
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('acknowledged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['delegate_group.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('notice_id', 'person_id'),
    )
    op.create_index('ix_notice_recipient_person', 'noticerecipient', ['person_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_notice_recipient_person', table_name='noticerecipient')
    op.drop_table('noticerecipient')
    op.drop_index(op.f('ix_noticefile_notice_id'), table_name='noticefile')
    op.drop_table('noticefile')
    op.drop_index(op.f('ix_notice_created_at'), table_name='notice')
    op.drop_index('ix_notice_author_created', table_name='notice')
    op.drop_table('notice')
