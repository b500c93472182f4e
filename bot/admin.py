"""What the CLI's office commands do: migrate, load the demo, import the roster, invites, users."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import func, select

from bot.config import Settings
from bot.core.clock import Clock
from bot.demo_cases import load_demo_cases
from storage import identities, invites
from storage.db import make_engine, unit_of_work
from storage.demo import load_demo
from storage.media import MediaStore
from storage.migrate import upgrade
from storage.models import Person
from storage.people import effective_roles
from storage.roster import RosterError, import_roster


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


def import_roster_file(settings: Settings, path: Path, skip_bad: bool) -> tuple[bool, str]:
    """Import a roster file; (success, report)."""
    engine = ready_engine(settings)
    try:
        with unit_of_work(engine) as session:
            result = import_roster(session, path, Clock().utcnow(), settings.invite_valid_days,
                                   skip_bad=skip_bad)
    except RosterError as error:
        lines = [f"nothing imported: {len(error.problems)} bad row(s)"]
        lines += [f"  row {p.row}: {p.reason}" for p in error.problems]
        return False, "\n".join(lines)
    lines = [f"created {result.created}, updated {result.updated}, "
             f"invites issued {result.invites_issued}, skipped {len(result.skipped)}"]
    lines += [f"  skipped row {p.row}: {p.reason}" for p in result.skipped]
    return True, "\n".join(lines)


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
