"""escalation marks: which rung was done for which case and basis, so sweeps skip them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 19:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'escalationmark',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('rung', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('basis', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['problem_case.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', 'rung', 'basis'),
    )
    # Cases already escalated before marks existed: mark their current deadline done, so the
    # first sweep after the upgrade does not log them overdue (or 重点督办) a second time.
    active = "('assigned', 'acknowledged', 'in_progress')"
    op.execute(f"""
        INSERT INTO escalationmark (case_id, rung, basis, at)
        SELECT c.id, 'overdue', c.deadline, c.updated_at FROM problem_case c
        WHERE c.deadline IS NOT NULL AND c.status IN {active} AND EXISTS (
            SELECT 1 FROM audit_log a WHERE a.action = 'case.overdue'
            AND a.subject_type = 'case' AND a.subject_id = c.id)""")
    op.execute(f"""
        INSERT INTO escalationmark (case_id, rung, basis, at)
        SELECT c.id, 'leadership', c.deadline, c.updated_at FROM problem_case c
        WHERE c.deadline IS NOT NULL AND c.status IN {active} AND c.key_supervision""")


def downgrade() -> None:
    op.drop_table('escalationmark')
