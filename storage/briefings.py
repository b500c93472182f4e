"""The briefings table: insert-if-absent decides who sends a briefing; past ones for "change"."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from storage.briefing_models import Briefing, BriefingKind, BriefingStatus

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
WITH_FIGURES = [BriefingStatus.SENT.value, BriefingStatus.LATE.value]


def claim(session: Session, kind: BriefingKind, day: date, status: BriefingStatus,
          figures: dict, now: datetime) -> int | None:
    """Record the briefing of `kind` for `day` unless one is recorded (ON CONFLICT DO NOTHING);
    its id when this call recorded it, None when another process (or run) did first.
    """
    insert = INSERTS[session.get_bind().dialect.name]
    table = Briefing.__table__
    statement = insert(table).values(
        kind=kind.value, day=day, status=status.value, figures=figures, created_at=now,
    ).on_conflict_do_nothing(index_elements=["kind", "day"]).returning(table.c.id)
    return session.execute(statement).scalar()


def recorded(session: Session, kind: BriefingKind, day: date) -> bool:
    """True when the briefing of `kind` for `day` was sent or skipped already."""
    return session.exec(select(Briefing.id).where(
        Briefing.kind == kind.value, Briefing.day == day)).first() is not None


def previous(session: Session, kind: BriefingKind, before: date) -> Briefing | None:
    """The latest briefing of `kind` sent before the day `before` (skipped ones have no figures)."""
    return session.exec(select(Briefing).where(
        Briefing.kind == kind.value, Briefing.day < before,
        Briefing.status.in_(WITH_FIGURES)).order_by(Briefing.day.desc())).first()


def red_flag_holder(session: Session, until: date) -> int | None:
    """The squad that won the latest contest (擂台赛) held on or before `until`: it holds the
    rotating red flag (流动红旗) until the next contest.
    """
    contest = session.exec(select(Briefing).where(
        Briefing.kind == BriefingKind.CONTEST.value, Briefing.day <= until,
        Briefing.status.in_(WITH_FIGURES)).order_by(Briefing.day.desc())).first()
    winner = contest.figures.get("winner") if contest else None
    return int(winner) if winner is not None else None
