"""surveys: surveys and votes, their items, eligible voters and secret ballots

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 12:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'survey',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('max_choices', sa.Integer(), nullable=False),
        sa.Column('min_choices', sa.Integer(), nullable=False),
        sa.Column('allow_change', sa.Boolean(), nullable=False),
        sa.Column('eligible', sa.JSON(), nullable=False),
        sa.Column('counted_levels', sa.JSON(), nullable=False),
        sa.Column('min_participation', sa.Integer(), nullable=False),
        sa.Column('flag_above', sa.Integer(), nullable=False),
        sa.Column('reminders', sa.JSON(), nullable=False),
        sa.Column('opens_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('closes_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('locked', sa.Boolean(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('reminded', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['person.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_survey_state'), 'survey', ['state'], unique=False)
    op.create_table(
        'surveyitem',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('choices', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_surveyitem_survey_position', 'surveyitem', ['survey_id', 'position'],
                    unique=True)
    op.create_table(
        'surveyvoter',
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column('counted', sa.Boolean(), nullable=False),
        sa.Column('voted_on', sa.Date(), nullable=True),
        sa.Column('reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['delegate_group.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('survey_id', 'person_id'),
    )
    op.create_index('ix_surveyvoter_person', 'surveyvoter', ['person_id'], unique=False)
    op.create_table(
        'surveyballot',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_surveyballot_survey_id'), 'surveyballot', ['survey_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_surveyballot_survey_id'), table_name='surveyballot')
    op.drop_table('surveyballot')
    op.drop_index('ix_surveyvoter_person', table_name='surveyvoter')
    op.drop_table('surveyvoter')
    op.drop_index('ix_surveyitem_survey_position', table_name='surveyitem')
    op.drop_table('surveyitem')
    op.drop_index(op.f('ix_survey_state'), table_name='survey')
    op.drop_table('survey')
