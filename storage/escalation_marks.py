"""Escalation marks: written insert-if-absent, so two sweeps at once mark (and act) once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from storage.case_models import Case, EscalationMark
from storage.outbox import INSERTS

TABLE = EscalationMark.__table__


def not_marked(rung: str, basis) -> ColumnElement[bool]:
    """SQL: the case has no mark of `rung` for the current value of its `basis` column."""
    return ~exists(select(TABLE.c.case_id).where(and_(
        TABLE.c.case_id == Case.id, TABLE.c.rung == rung, TABLE.c.basis == basis)))


def mark(session: Session, rung: str, cases: Sequence[tuple[int, datetime]],
         now: datetime) -> set[int]:
    """Mark (case id, basis) pairs; the ids of the cases this call marked first."""
    if not cases:
        return set()
    insert = INSERTS[session.get_bind().dialect.name]
    statement = insert(TABLE).on_conflict_do_nothing().returning(TABLE.c.case_id)
    rows = [{"case_id": case_id, "rung": rung, "basis": basis, "at": now}
            for case_id, basis in cases]
    return set(session.execute(statement, rows).scalars())
