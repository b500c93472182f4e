"""`/events` (what this person is invited to or organises), `/agenda` (their next 7 days),
`/roster <number>` (the organiser's view of who comes).
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.context import Context
from bot.core.types import Button, Reply, button_rows
from handlers.activities import render, roster
from handlers.activities.access import load, may_manage
from storage import activities
from storage.activity_models import Activity, ActivityAnswer, ActivityState

AGENDA_DAYS, LISTED, BUTTONS = 7, 30, 10


def _line(ctx: Context, activity: Activity, row: ActivityAnswer | None) -> str:
    answer = ctx.t(f"events.short.{row.answer}") if row is not None else \
        ctx.t("events.short.organiser")
    return ctx.t("events.list_line", number=activity.id,
                 kind=render.kind_label(ctx.t, activity.kind), title=activity.title,
                 when=render.when(ctx.t, activity.start_at, ctx.services.settings.tz),
                 place=render.place(ctx.t, activity), answer=answer)


def _listing(ctx: Context, header: str, empty: str,
             items: list[tuple[Activity, ActivityAnswer | None]]) -> list[Reply]:
    if not items:
        return [Reply(ctx.t(empty))]
    lines = [ctx.t(header, count=len(items))] + [_line(ctx, a, r) for a, r in items[:LISTED]]
    buttons = [Button(f"#{a.id}", f"ev:show:{a.id}") for a, _ in items[:BUTTONS]]
    return [Reply("\n".join(lines), button_rows(buttons[:5], buttons[5:]))]


async def list_events(ctx: Context) -> list[Reply]:
    """Upcoming activities this person is invited to, and those they organise."""
    invited = activities.invited_between(ctx.session, ctx.person.id, ctx.now)
    seen = {activity.id for activity, _ in invited}
    organised = [(a, None) for a in activities.organised_since(ctx.session, ctx.person.id,
                                                               ctx.now) if a.id not in seen
                 and a.state == ActivityState.ACTIVE]
    items = sorted([*invited, *organised], key=lambda pair: (pair[0].start_at, pair[0].id))
    return _listing(ctx, "events.list_header", "events.list_empty", items)


async def agenda(ctx: Context) -> list[Reply]:
    """The next 7 days of this person's invitations."""
    until = ctx.now + timedelta(days=AGENDA_DAYS)
    items = activities.invited_between(ctx.session, ctx.person.id, ctx.now, until)
    return _listing(ctx, "events.agenda_header", "events.agenda_empty", items)


async def roster_command(ctx: Context) -> list[Reply]:
    """`/roster <number>`: the organiser's (or staff's) roster of one activity."""
    if not ctx.event.args.strip():
        return [Reply(ctx.t("events.roster_usage"))]
    activity = load(ctx, ctx.event.args.strip())
    if activity is None:
        return [Reply(ctx.t("events.unknown", number=ctx.event.args.strip()[:12]))]
    if not may_manage(ctx, activity):
        ctx.audit("denied", subject_type="activity", subject_id=activity.id, note="roster")
        return [Reply(ctx.t("common.not_allowed"))]
    return roster.view(ctx, activity)
