"""What the CLI's office commands do: migrate, demo, roster import, invites, users, calendar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, func, select

from bot.config import Settings
from bot.core.clock import Clock
from bot.demo_activities import load_demo_activities
from bot.demo_briefing import load_demo_briefings
from bot.demo_cases import load_demo_cases
from bot.i18n import Catalogs, Translator
from storage.db import make_engine, unit_of_work
from storage.demo import DEMO_STAFF_PHONE, load_demo
from storage.demo_surveys import load_demo_surveys
from storage.media import MediaStore
from storage.migrate import upgrade
from storage.models import Person
from storage.roster import RosterError, RosterFileError, import_roster


@dataclass(frozen=True)
class Outcome:
    """A command's result: success, what to print, and a warning for stderr."""

    ok: bool
    text: str
    warning: str = ""


def translator(settings: Settings) -> Translator:
    """The operator's language (LIANDONG_LOCALE)."""
    return Catalogs(settings.locale).translator(settings.locale)


def ready_engine(settings: Settings) -> Engine:
    """An engine on a database migrated to the newest schema."""
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    return engine


@contextmanager
def office_engine(settings: Settings) -> Iterator[Engine]:
    """A migrated engine for one command, disposed after it."""
    engine = ready_engine(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def upgrade_database(settings: Settings) -> str:
    """Apply migrations; say where."""
    with office_engine(settings):
        shown = make_url(settings.effective_database_url).render_as_string(hide_password=True)
        return translator(settings)("db.upgraded", url=shown)


def roster_is_empty(engine: Engine) -> bool:
    """True when nobody is on the roster yet."""
    with unit_of_work(engine) as session:
        return session.exec(select(func.count()).select_from(Person)).one() == 0


def real_roster_size(session: Session) -> int:
    """How many people a real (non-demo) roster holds; 0 when empty or the demo is loaded."""
    if session.exec(select(Person.id).where(Person.phone == DEMO_STAFF_PHONE)).first():
        return 0
    return session.exec(select(func.count()).select_from(Person)).one()


def load_demo_county(settings: Settings, engine: Engine | None = None) -> Outcome:
    """Load the demo county once; refuse on a database that holds a real roster."""
    t = translator(settings)
    with office_engine(settings) if engine is None else nullcontext(engine) as engine:
        now = Clock().now()
        with unit_of_work(engine) as session:
            real = real_roster_size(session)
            if real:
                return Outcome(False, t("demo.refused", count=real))
            loaded = load_demo(session, now, settings.invite_valid_days)
            if loaded:
                media = MediaStore(settings.media_dir, settings.max_photo_bytes)
                load_demo_cases(session, now, settings.tz, media)
                load_demo_briefings(session, now, settings)
                load_demo_surveys(session, now, settings.tz)
                load_demo_activities(session, now, settings.tz, media)
    return Outcome(True, t("demo.loaded" if loaded else "demo.already"))


@contextmanager
def _session(engine: Engine, write: bool) -> Iterator[Session]:
    """A unit of work, or with `write` False one that is always rolled back."""
    if write:
        with unit_of_work(engine) as session:
            yield session
        return
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        finally:
            session.rollback()


def import_roster_file(settings: Settings, path: Path, skip_bad: bool = False,
                       dry_run: bool = False, keep: bool = False) -> Outcome:
    """Import a roster file (or with `dry_run` only say what it would do)."""
    from bot.roster_report import imported, rejected

    t = translator(settings)
    with office_engine(settings) as engine:
        try:
            with _session(engine, write=not dry_run) as session:
                result = import_roster(session, path, Clock().utcnow(),
                                       settings.invite_valid_days, skip_bad=skip_bad, keep=keep)
        except (RosterError, RosterFileError) as error:
            return Outcome(False, rejected(t, path, error))
    return Outcome(True, imported(t, path, result, dry_run, keep))


def list_invites(settings: Settings, qr_dir: Path | None, issue_missing: bool) -> Outcome:
    """Unused invites, one per line; optionally QR images and a printable sheet."""
    from bot.invites_cli import invites_outcome

    with office_engine(settings) as engine:
        return invites_outcome(settings, translator(settings), engine, qr_dir, issue_missing)


def list_users(settings: Settings) -> str:
    """Everyone with level, roles, groups, liaison departments and binding, under a header."""
    from bot.users_table import users_table

    with office_engine(settings) as engine, unit_of_work(engine) as session:
        return users_table(session, translator(settings))


def set_active(settings: Settings, phone: str, active: bool) -> Outcome:
    """`liandong users deactivate|activate PHONE`."""
    from bot.core.context import Services
    from handlers.activities.answers import release_holds
    from storage.phones import normalize_phone
    from storage.revocation import activate, deactivate

    t, number = translator(settings), normalize_phone(phone)
    with office_engine(settings) as engine, unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.phone == number)).first() \
            if number else None
        if person is None:
            return Outcome(False, t("users.not_found", phone=phone))
        if person.active == active:
            return Outcome(True, t("users.already_active" if active else "users.already_inactive",
                                   name=person.name))
        now = Clock().utcnow()
        if active:
            activate(session, person, now, None)
            return Outcome(True, t("users.activated", name=person.name))
        done = deactivate(session, person, now, None)
        release_holds(session, Services(settings, Catalogs(settings.locale), Clock()), person.id,
                      now)
        return Outcome(True, t("users.deactivated", name=person.name,
                               pushes=done.pushes_cancelled, invites=done.invites_expired))


def export_cases_file(settings: Settings, out: Path) -> str:
    """Write every case to `out` (an .xlsx file); say how many and where."""
    from handlers.cases.case_export import export_cases

    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    engine = ready_engine(settings)
    try:
        with unit_of_work(engine) as session:
            count = export_cases(session, out, Clock().now(), settings.tz, settings.locale)
    finally:
        engine.dispose()
    return f"{count} cases written to {out}"


def export_duty_file(settings: Settings, year: int, out: Path) -> str:
    """Write the duty record of `year` to `out` (an .xlsx file); say how many and where."""
    from handlers.activities.duty_export import export_duty

    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    engine = ready_engine(settings)
    try:
        with unit_of_work(engine, read_only=True) as session:
            count = export_duty(session, out, year, Clock().now(), settings.tz, settings.locale)
    finally:
        engine.dispose()
    return f"{count} delegates written to {out}"


def import_events_file(settings: Settings, path: Path) -> Outcome:
    """`liandong events import FILE`: activities from a sheet, all or nothing; bad rows named."""
    from bot.core.context import Services
    from bot.roster_report import describe, describe_row
    from handlers.activities.importing import import_activities

    t = translator(settings)
    services = Services(settings, Catalogs(settings.locale), Clock())
    with office_engine(settings) as engine:
        try:
            with unit_of_work(engine) as session:
                count = import_activities(session, services, path)
        except RosterFileError as error:
            return Outcome(False, "\n".join([t("events.import.file_rejected", file=path.name)]
                                            + ["  " + describe(t, p) for p in error.problems]))
        except RosterError as error:
            return Outcome(False, "\n".join(
                [t("events.import.rejected", file=path.name, count=len(error.problems))]
                + ["  " + describe_row(t, row) for row in error.problems]))
    return Outcome(True, t("events.import.done", file=path.name, count=count))


def import_calendar_file(settings: Settings, path: Path) -> Outcome:
    """`liandong calendar import FILE`: one year's holiday schedule, all or nothing."""
    from bot.calendar_cli import import_calendar

    with office_engine(settings) as engine:
        return import_calendar(translator(settings), engine, path, Clock().utcnow())


def list_calendar(settings: Settings) -> str:
    """`liandong calendar`: the years whose holidays the bot knows, and where from."""
    from bot.calendar_cli import listing

    with office_engine(settings) as engine:
        today = Clock().now().astimezone(settings.tz).date()
        return listing(translator(settings), engine, today, settings.tz)
