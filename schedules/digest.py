"""The office's daily supervision digest: one message per staff member and leader each working
day, instead of one push per overdue case (35,000 of them at a province's scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from bot.core.context import new_push
from bot.core.quiet import next_allowed
from bot.core.types import Button, Reply, button_rows
from bot.i18n import Translator
from schedules.sweep_context import Sweep
from storage import case_stats, identities, outbox, people
from storage.db import unit_of_work
from storage.models import OutboxMessage, Person, Role

OLDEST = 5
UNREACHABLE_SHOWN = 20


@dataclass(frozen=True)
class Figures:
    """What the digest says: overdue in all, newly overdue, under key supervision, the oldest."""

    overdue: int
    new: int
    key_supervision: int
    oldest: list[tuple[str, str, int, bool]]  # number, department, days overdue, 重点督办


def figures(sweep: Sweep, session: Session, since: date) -> Figures:
    """Counted from the cases: `new` are those whose deadline passed on or after `since`."""
    oldest = case_stats.oldest_overdue(session, sweep.now, OLDEST)
    return Figures(
        case_stats.count_overdue(session, sweep.now),
        case_stats.count_overdue(session, sweep.now, since=sweep.start_of(since)),
        case_stats.count_overdue(session, sweep.now, key_supervision=True),
        [(late.number, late.department, (sweep.today - sweep.local_date(late.deadline)).days,
          late.key_supervision) for late in oldest])


def render(t: Translator, today: date, facts: Figures, gone: list[str]) -> Reply | None:
    """The digest in one language; None when there is nothing to say.

    Overdue cases for everyone; for staff also the people the bot can no longer reach.
    """
    lines = []
    if facts.overdue:
        lines.append(t("digest.supervision", date=today.isoformat(), overdue=facts.overdue,
                       new=facts.new, supervised=facts.key_supervision))
        for number, department, days, flag in facts.oldest:
            mark = t("case.key_supervision") if flag else ""
            lines.append(t("digest.oldest_line", number=number, department=department,
                           days=days, mark=mark).rstrip())
    if gone:
        shown = t("common.list_sep").join(gone[:UNREACHABLE_SHOWN])
        more = t("digest.more", count=len(gone) - UNREACHABLE_SHOWN) \
            if len(gone) > UNREACHABLE_SHOWN else ""
        lines.append(t("digest.unreachable", count=len(gone), people=shown + more))
    if not lines:
        return None
    buttons = button_rows([Button(t("help.supervise.button"), "cmd:supervise")]) \
        if facts.overdue else ()
    return Reply("\n".join(lines), buttons=buttons)


def queue_supervision_digest(sweep: Sweep) -> int:
    """On a working day, queue today's digest for every staff member and leader who has not had
    it (held through quiet hours); pushes queued.
    """
    settings = sweep.services.settings
    quiet = next_allowed(sweep.now, settings.quiet_hours_start, settings.quiet_hours_end,
                         sweep.tz) != sweep.now
    if quiet or not sweep.calendar.is_workday(sweep.today):
        return 0  # the first sweep of a working morning writes it, with that morning's figures
    since = previous_workday(sweep)
    with unit_of_work(sweep.engine, read_only=True) as session:
        staff = {p.id for p in people.with_role(session, Role.STAFF)}
        readers = {p.id: p for role in (Role.STAFF, Role.LEADERSHIP)
                   for p in people.with_role(session, role)}
        keys = {pid: f"digest:supervision:{sweep.today.isoformat()}:{pid}" for pid in readers}
        done = set(session.exec(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_(list(keys.values())))).all())
        waiting = [readers[pid] for pid, key in keys.items() if key not in done]
        if not waiting:
            return 0
        facts = figures(sweep, session, since)
        gone = [person.name for person, _, _ in identities.unreachable_since(
            session, sweep.start_of(since))]
    pushes = []
    for person in waiting:
        reply = render(_translator(sweep, person), sweep.today, facts,
                       gone if person.id in staff else [])
        if reply is not None:
            pushes.append(new_push(sweep.services, person.id, keys[person.id], reply))
    with unit_of_work(sweep.engine) as session:
        return outbox.enqueue_many(session, pushes, sweep.now)


def previous_workday(sweep: Sweep) -> date:
    """The working day before today: deadlines since then are news in today's digest."""
    day = sweep.today
    while True:
        day = date.fromordinal(day.toordinal() - 1)
        if sweep.calendar.is_workday(day):
            return day


def _translator(sweep: Sweep, person: Person) -> Translator:
    return sweep.services.catalogs.translator(person.locale)
