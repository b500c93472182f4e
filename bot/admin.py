"""What the CLI's office commands do: migrate, load the demo, import the roster, invites, users."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.config import Settings
from bot.core.clock import Clock
from bot.demo_cases import load_demo_cases
from bot.i18n import Catalogs, Translator
from storage import identities, invites
from storage.db import make_engine, unit_of_work
from storage.demo import load_demo
from storage.media import MediaStore
from storage.migrate import upgrade
from storage.models import Person
from storage.people import effective_roles
from storage.roster import RosterError, RosterFileError, import_roster


def ready_engine(settings: Settings) -> Engine:
    """An engine on a database migrated to the newest schema."""
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    return engine


def upgrade_database(settings: Settings) -> str:
    """Apply migrations; say where."""
    ready_engine(settings)
    return f"database is up to date: {settings.effective_database_url}"


def roster_is_empty(engine: Engine) -> bool:
    """True when nobody is on the roster yet."""
    with unit_of_work(engine) as session:
        return session.exec(select(func.count()).select_from(Person)).one() == 0


def load_demo_county(settings: Settings, engine: Engine | None = None) -> str:
    """Load the demo county once."""
    engine = engine or ready_engine(settings)
    now = Clock().now()
    with unit_of_work(engine) as session:
        loaded = load_demo(session, now, settings.invite_valid_days)
        if loaded:
            media = MediaStore(settings.media_dir, settings.max_photo_bytes)
            load_demo_cases(session, now, settings.tz, media)
    return "demo county loaded" if loaded else "demo county already loaded; nothing changed"


@dataclass(frozen=True)
class Outcome:
    """A command's result: success, what to print, and a warning for stderr."""

    ok: bool
    text: str
    warning: str = ""


def translator(settings: Settings) -> Translator:
    """The operator's language (LIANDONG_LOCALE)."""
    return Catalogs(settings.locale).translator(settings.locale)


@contextmanager
def office_engine(settings: Settings) -> Iterator[Engine]:
    """A migrated engine for one command, disposed after it."""
    engine = ready_engine(settings)
    try:
        yield engine
    finally:
        engine.dispose()


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


def list_invites(settings: Settings, qr_dir: Path | None, issue_missing: bool) -> str:
    """Unused invites, one per line; optionally QR images and a printable sheet."""
    engine = ready_engine(settings)
    now = Clock().utcnow()
    with unit_of_work(engine) as session:
        if issue_missing:
            _issue_missing(session, now, settings.invite_valid_days)
        rows = [(inv.code, p.name, p.phone, inv.expires_at)
                for inv, p in invites.unused(session, now)]
    lines = [f"{code}  {name}  {phone}  expires {expires:%Y-%m-%d}"
             for code, name, phone, expires in rows]
    if qr_dir is not None:
        from bot.qr import write_invite_sheet

        sheet = write_invite_sheet(qr_dir, rows, settings.telegram_bot_username)
        lines.append(f"QR codes and printable sheet written: {sheet}")
    return "\n".join(lines) or "no unused invites"


def _issue_missing(session, now, valid_days: int) -> None:
    for person in session.exec(select(Person).where(Person.active)).all():
        if not identities.is_bound(session, person.id) and not invites.valid_invite(
                session, person.id, now):
            invites.issue(session, person.id, now, valid_days)


def list_users(settings: Settings) -> str:
    """Everyone with level, roles and binding."""
    engine = ready_engine(settings)
    lines = []
    with unit_of_work(engine) as session:
        for person in session.exec(select(Person).order_by(Person.id)).all():
            roles = ",".join(sorted(r.value for r in effective_roles(session, person))) or "-"
            bound = "bound" if identities.is_bound(session, person.id) else "unbound"
            lines.append(f"{person.id:>5}  {person.name}  {person.phone}  {roles}  {bound}")
    return "\n".join(lines) or "nobody on the roster"


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
