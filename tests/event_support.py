"""Activity tests: the demo people involved, creating by dialog or directly, reading answers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.app import App
from storage import activities
from storage.activity_models import Activity, ActivityAnswer
from storage.db import unit_of_work
from storage.models import OutboxMessage, Person
from tests.given import bound
from tests.notice_support import NoticeCast, notice_cast
from tests.support import Dialog

SEND = "f:newevent:preview:send"
EventCast = NoticeCast  # a leader, their group and its members, another leader, staff


def event_cast(engine: Engine) -> EventCast:
    """The cast, found in the demo county."""
    return notice_cast(engine)


async def create_by_dialog(dialog: Dialog, *, kind: str = "视察", title: str = "河道整治现场视察",
                           start: str = "11月25日 09:30", end: str = "11:30",
                           place: str = "青石镇河道", capacity: str | None = None,
                           deadline: str | None = None, repeat: str | None = None,
                           groups: tuple[str, ...] = ()) -> None:
    """/newevent through every step to the preview (the first offered group when none named)."""
    await dialog.send("/newevent")
    await dialog.press(kind)
    await dialog.send(title)
    await dialog.send(start)
    await dialog.send(end)
    await dialog.send(place)
    if capacity is None:
        await dialog.press("f:newevent:capacity:none")
    else:
        await dialog.send(capacity)
    if deadline is None:
        await dialog.press("f:newevent:deadline:none")
    else:
        await dialog.send(deadline)
    if repeat is None:
        await dialog.press("f:newevent:repeat:none")
    else:
        await dialog.send(repeat)
    for name in groups or (dialog.labels()[0],):
        await dialog.press(name)
    await dialog.press("f:newevent:groups:done")


def created_id(dialog: Dialog) -> int:
    """The number in the receipt (活动 #12 已创建…)."""
    match = re.search(r"#(\d+)", dialog.text)
    assert match and "已创建" in dialog.text, dialog.text
    return int(match[1])


def make_activity(engine: Engine, organiser: Person, group_ids: list[int], start: datetime,
                  *, kind: str = "inspection", capacity: int | None = None,
                  hours: float = 2, deadline: datetime | None = None,
                  lat: float | None = None, lon: float | None = None) -> Activity:
    """An activity stored directly, inviting these groups (no invitations queued)."""
    with unit_of_work(engine) as session:
        activity = activities.create(
            session, start - timedelta(days=3), kind=kind, title="专题视察", start_at=start,
            end_at=start + timedelta(hours=hours), place="县人大三楼会议室", capacity=capacity,
            signup_deadline=deadline, organiser_id=organiser.id, latitude=lat, longitude=lon)
        activities.invite_groups(session, activity, group_ids)
        return activity


def answers(engine: Engine, activity_id: int) -> dict[int, ActivityAnswer]:
    """Answer rows by person id."""
    with unit_of_work(engine) as session:
        return {row.person_id: row for row in session.exec(select(ActivityAnswer).where(
            ActivityAnswer.activity_id == activity_id)).all()}


def activity(engine: Engine, activity_id: int) -> Activity:
    """The activity row."""
    with unit_of_work(engine) as session:
        return session.get(Activity, activity_id)


def keys(engine: Engine, prefix: str, status: str | None = None) -> list[str]:
    """Outbox keys starting with `prefix` (of one status when given), oldest first."""
    with unit_of_work(engine) as session:
        query = select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.startswith(prefix))
        if status is not None:
            query = query.where(OutboxMessage.status == status)
        return list(session.exec(query.order_by(OutboxMessage.id)).all())


async def members_bound(app: App, cast: EventCast, count: int, first_id: int) -> list[Dialog]:
    """Dialogs of the first `count` members of the leader's group."""
    return [await bound(app, person, str(first_id + n))
            for n, person in enumerate(cast.members[:count])]
