"""activities: the activity, its invitations and one answer row per invited person

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 10:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'activity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', TEXT(length=16), nullable=False),
        sa.Column('title', TEXT(length=100), nullable=False),
        sa.Column('start_at', UTC_TIME(), nullable=False),
        sa.Column('end_at', UTC_TIME(), nullable=False),
        sa.Column('place', TEXT(length=200), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('capacity', sa.Integer(), nullable=True),
        sa.Column('signed_up', sa.Integer(), nullable=False),
        sa.Column('signup_deadline', UTC_TIME(), nullable=True),
        sa.Column('organiser_id', sa.Integer(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('state', TEXT(length=10), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('series_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC_TIME(), nullable=False),
        sa.ForeignKeyConstraint(['organiser_id'], ['person.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_activity_state_start', 'activity', ['state', 'start_at'], unique=False)
    op.create_index(op.f('ix_activity_organiser_id'), 'activity', ['organiser_id'],
                    unique=False)
    op.create_index(op.f('ix_activity_series_id'), 'activity', ['series_id'], unique=False)
    op.create_table(
        'activityinvite',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['group_id'], ['delegate_group.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_activityinvite_activity_id'), 'activityinvite', ['activity_id'],
                    unique=False)
    op.create_table(
        'activityanswer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('answer', TEXT(length=12), nullable=False),
        sa.Column('reason', TEXT(length=200), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('answered_at', UTC_TIME(), nullable=True),
        sa.Column('checked_in_at', UTC_TIME(), nullable=True),
        sa.Column('marked_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['group_id'], ['delegate_group.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['marked_by'], ['person.id'], ),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('activity_id', 'person_id'),
    )
    op.create_index('ix_activityanswer_person', 'activityanswer', ['person_id'], unique=False)
    op.create_table(
        'activitylog',
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', UTC_TIME(), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['person.id'], ),
        sa.PrimaryKeyConstraint('activity_id'),
    )
    op.create_table(
        'activitylogphoto',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('sha256', TEXT(length=64), nullable=False),
        sa.Column('ext', TEXT(length=8), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activitylog.activity_id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_activitylogphoto_activity_id'), 'activitylogphoto', ['activity_id'],
                    unique=False)
    op.create_table(
        'activitycase',
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('linked_at', UTC_TIME(), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['problem_case.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('activity_id', 'case_id'),
    )


def downgrade() -> None:
    op.drop_table('activitycase')
    op.drop_index(op.f('ix_activitylogphoto_activity_id'), table_name='activitylogphoto')
    op.drop_table('activitylogphoto')
    op.drop_table('activitylog')
    op.drop_index('ix_activityanswer_person', table_name='activityanswer')
    op.drop_table('activityanswer')
    op.drop_index(op.f('ix_activityinvite_activity_id'), table_name='activityinvite')
    op.drop_table('activityinvite')
    op.drop_index(op.f('ix_activity_series_id'), table_name='activity')
    op.drop_index(op.f('ix_activity_organiser_id'), table_name='activity')
    op.drop_index('ix_activity_state_start', table_name='activity')
    op.drop_table('activity')
