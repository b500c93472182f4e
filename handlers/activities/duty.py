"""`/mystats`: one's own duty record (履职档案) for this year; a squad leader also gets their
group's table (button `duty:<group id>`, checked on the server).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from bot.i18n import Translator
from handlers.cases.access import led_group_ids
from storage import duty
from storage.models import Group, Membership, Person, Role


def year_bounds(year: int, zone) -> tuple[datetime, datetime]:
    """The UTC moments a local calendar year starts and ends."""
    return (datetime(year, 1, 1, tzinfo=zone).astimezone(UTC),
            datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC))


def _this_year(ctx: Context) -> int:
    return ctx.now.astimezone(ctx.services.settings.tz).year


def describe(t: Translator, record: dict) -> str:
    """A record in words, one line per kind of duty."""
    return t("events.duty.record", **record)


async def mystats(ctx: Context) -> list[Reply]:
    """Own record for this year; a leader's buttons open their groups' tables."""
    year = _this_year(ctx)
    since, until = year_bounds(year, ctx.services.settings.tz)
    record = duty.records(ctx.session, since, until, ctx.now, [ctx.person.id]).get(
        ctx.person.id, duty.empty())
    text = ctx.t("events.duty.mine", year=year, name=ctx.person.name,
                 record=describe(ctx.t, record))
    groups = ctx.session.exec(select(Group).where(Group.id.in_(led_group_ids(ctx)))
                              .order_by(Group.name)).all()
    buttons = [[Button(ctx.t("events.duty.group_button", group=g.name), f"duty:{g.id}")]
               for g in groups]
    return [Reply(text, button_rows(*buttons))]


async def group_table(ctx: Context) -> list[Reply]:
    """`duty:<group id>`: the group's table, for its squad leader or staff."""
    group_id = parse_int((ctx.event.payload or "").removeprefix("duty:"))
    group = ctx.session.get(Group, group_id) if group_id is not None else None
    if group is None:
        ctx.audit("forged_payload", note=(ctx.event.payload or "")[:200])
        return [Reply(ctx.t("common.button_unknown"))]
    if group.id not in led_group_ids(ctx) and not ctx.has_any(Role.STAFF):
        ctx.audit("denied", subject_type="group", subject_id=group.id, note="duty")
        return [Reply(ctx.t("common.not_allowed"))]
    members = ctx.session.exec(select(Person).join(
        Membership, Membership.person_id == Person.id).where(
        Membership.group_id == group.id, Person.active).order_by(Person.name)).all()
    year = _this_year(ctx)
    since, until = year_bounds(year, ctx.services.settings.tz)
    found = duty.records(ctx.session, since, until, ctx.now, [p.id for p in members])
    lines = [ctx.t("events.duty.group_header", year=year, group=group.name)]
    lines += [ctx.t("events.duty.row", name=p.name, **found.get(p.id, duty.empty()))
              for p in members]
    return [Reply("\n".join(lines))]
