"""Notice tests: the demo people involved, composing by dialog, delivering through the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.app import App
from bot.core.channel import PermanentDeliveryError, SingleMessageChannel
from bot.core.types import Reply
from bot.delivery import DeliveryWorker
from storage import outbox
from storage.db import unit_of_work
from storage.models import Group, Membership, OutboxMessage, Person
from storage.notice_models import Notice, NoticeRecipient
from tests.factories import make_cast
from tests.given import bound, the_staff
from tests.support import Dialog

TEXT = "本周五上午9点在县人大三楼会议室召开民生实事专题会，请准时参加。"
SEND = "f:notice:preview:send"


@dataclass
class NoticeCast:
    """A squad leader and their group's other members; another squad and its leader; staff."""

    leader: Person
    group: Group
    members: list[Person]
    other_leader: Person
    other_group: Group
    staff: Person


def members_of(engine: Engine, group_id: int, *, but: int | None = None) -> list[Person]:
    """The active members of a group (except one person), by id."""
    with unit_of_work(engine) as session:
        return list(session.exec(select(Person).join(
            Membership, Membership.person_id == Person.id).where(
            Membership.group_id == group_id, Person.active, Person.id != but)
            .order_by(Person.id)).all())


def notice_cast(engine: Engine) -> NoticeCast:
    """The cast, found in the demo county (each demo leader leads exactly one group)."""
    cast = make_cast(engine)
    with unit_of_work(engine) as session:
        other_group = session.exec(select(Group).join(
            Membership, Membership.group_id == Group.id).where(
            Membership.person_id == cast.other_leader.id, Membership.is_leader)).one()
    return NoticeCast(cast.leader, cast.group, members_of(engine, cast.group.id,
                                                          but=cast.leader.id),
                      cast.other_leader, other_group, the_staff(engine))


async def to_audience(dialog: Dialog, text: str = TEXT) -> None:
    """/notify, the text, no files: the dialog stands at the audience (or groups) step."""
    await dialog.send("/notify")
    await dialog.send(text)
    await dialog.press("完成")


async def leader_sends(app: App, cast: NoticeCast, user_id: str = "7001",
                       text: str = TEXT) -> tuple[Dialog, int]:
    """The leader sends a notice to their own group; (their dialog, the notice id)."""
    dialog = await bound(app, cast.leader, user_id)
    await to_audience(dialog, text)
    await dialog.press("选好了")
    await dialog.press(SEND)
    return dialog, sent_id(dialog)


def sent_id(dialog: Dialog) -> int:
    """The number in the receipt (通知 #12 已发出…)."""
    match = re.search(r"#(\d+)", dialog.text)
    assert match and "已发出" in dialog.text, dialog.text
    return int(match[1])


def rows(engine: Engine, prefix: str) -> list[OutboxMessage]:
    """Outbox rows whose key starts with `prefix`, oldest first."""
    with unit_of_work(engine) as session:
        return outbox.by_key_prefix(session, prefix)


def originals(engine: Engine, notice_id: int) -> list[OutboxMessage]:
    """The notice's first pushes (`notice:<id>:<person id>`), not re-pings or withdrawals."""
    plain = re.compile(rf"notice:{notice_id}:\d+")
    return [row for row in rows(engine, f"notice:{notice_id}:") if plain.fullmatch(row.dedupe_key)]


def recipients(engine: Engine, notice_id: int) -> list[NoticeRecipient]:
    """The notice's recipient rows, by person."""
    with unit_of_work(engine) as session:
        return list(session.exec(select(NoticeRecipient).where(
            NoticeRecipient.notice_id == notice_id).order_by(NoticeRecipient.person_id)).all())


def notice(engine: Engine, notice_id: int) -> Notice:
    """The notice row."""
    with unit_of_work(engine) as session:
        return session.get(Notice, notice_id)


@dataclass
class Recorder(SingleMessageChannel):
    """A channel that records what it sends; addresses in `failing` fail for good."""

    name: str = "rec"
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)

    def address_for(self, person_id: int, identities: dict[str, str],
                    person_name: str) -> str | None:
        return str(person_id)

    async def send(self, address: str, reply: Reply) -> None:
        if address in self.failing:
            raise PermanentDeliveryError("Forbidden: bot was blocked by the user")
        self.sent.append((address, reply))

    def texts_to(self, person_id: int) -> list[str]:
        """What person `person_id` got, oldest first."""
        return [reply.text for address, reply in self.sent if address == str(person_id)]


async def deliver(app: App, channel: Recorder, limit: int | None = None) -> int:
    """Run the delivery worker until nothing is due (or `limit` pushes were sent)."""
    worker = DeliveryWorker(app.engine, [channel], app.services.clock)
    sent = 0
    while limit is None or sent < limit:
        batch = await worker.run_once(limit=50 if limit is None else min(50, limit - sent))
        if not batch and not _claimable(app):
            break
        sent += batch
    return sent


def _claimable(app: App) -> bool:
    now = app.services.clock.utcnow()
    with unit_of_work(app.engine) as session:
        return session.exec(select(OutboxMessage.id).where(
            OutboxMessage.status == "pending", OutboxMessage.not_before <= now)).first() \
            is not None
