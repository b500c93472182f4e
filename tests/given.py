"""Finding people of the demo county for dialog tests, and binding a test account to them."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import func, select

from bot.app import App
from bot.i18n import Translator
from storage.db import unit_of_work
from storage.demo import DEMO_STAFF_PHONE
from storage.models import AuditEntry, Conversation, Invite, Liaison, Membership, Person, RoleGrant
from tests.support import Dialog


def zh(app: App) -> Translator:
    """The Chinese catalog (the default locale)."""
    return app.services.catalogs.translator("zh_CN")


def en(app: App) -> Translator:
    """The English catalog."""
    return app.services.catalogs.translator("en")


def a_delegate(engine: Engine) -> Person:
    """An ordinary delegate: has a level and a group, leads nothing, holds no explicit role."""
    leaders = select(Membership.person_id).where(Membership.is_leader)
    members = select(Membership.person_id)
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(
            Person.level.is_not(None), Person.id.in_(members), Person.id.not_in(leaders),
            Person.id.not_in(select(RoleGrant.person_id)),
            Person.id.not_in(select(Liaison.person_id))).order_by(Person.id)).first()
    assert person is not None, "the demo county has no ordinary delegate"
    return person


def the_staff(engine: Engine) -> Person:
    """The demo staff member."""
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.phone == DEMO_STAFF_PHONE)).one()
    return person


def invite_code(engine: Engine, person_id: int) -> str:
    """The person's (first) invite code."""
    with unit_of_work(engine) as session:
        return session.exec(select(Invite.code).where(Invite.person_id == person_id)
                            .order_by(Invite.created_at)).first()


async def bound(app: App, person: Person, user_id: str) -> Dialog:
    """A dialog on channel "test" whose account has been bound to `person` with their invite."""
    dialog = Dialog(app, user_id=user_id)
    await dialog.send(f"/start {invite_code(app.engine, person.id)}")
    assert person.name in dialog.text, dialog.text
    return dialog


def audits(engine: Engine, action: str) -> list[AuditEntry]:
    """Audit entries of one action, oldest first."""
    with unit_of_work(engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)
                                 .order_by(AuditEntry.id)).all())


def conversation_of(engine: Engine, person_id: int) -> Conversation | None:
    """The person's open conversation row, if any."""
    with unit_of_work(engine) as session:
        return session.get(Conversation, person_id)


def count(engine: Engine, model, *where) -> int:
    """How many rows of `model` match `where`."""
    with unit_of_work(engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()
