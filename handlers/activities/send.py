"""Creating an activity from a finished draft: re-check the groups and the time, store it,
invite the groups' members and queue their invitations.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from bot.core.context import Context
from bot.core.types import Button, Reply, button_rows
from handlers.activities import pushes, series
from handlers.notices.audience import may_use_group
from storage import activities
from storage.activity_models import Activity
from storage.models import Conversation, Group, Membership, Person

INVITE_AHEAD = timedelta(days=7)  # a later occurrence's invitation goes out a week before it


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def fields_of(data: dict) -> dict:
    """The activity's columns from a draft."""
    return {"kind": data["kind"], "title": data["title"], "start_at": _moment(data["start"]),
            "end_at": _moment(data["end"]), "place": data.get("place") or "",
            "latitude": data.get("lat"), "longitude": data.get("lon"),
            "capacity": data.get("capacity"), "signup_deadline": _moment(data.get("deadline"))}


def draft_activity(ctx: Context, data: dict) -> Activity:
    """The activity the draft describes, not stored (for the preview)."""
    return Activity(id=0, organiser_id=ctx.person.id, created_at=ctx.now, **fields_of(data))


def invitee_count(ctx: Context, group_ids: list[int]) -> int:
    """How many active people the chosen groups hold now, each once."""
    return ctx.session.exec(select(func.count(func.distinct(Membership.person_id))).join(
        Person, Person.id == Membership.person_id).where(
        Membership.group_id.in_(group_ids), Person.active)).one()


def group_names(ctx: Context, group_ids: list[int]) -> str:
    """The chosen groups' names."""
    names = ctx.session.exec(select(Group.name).where(Group.id.in_(group_ids))
                             .order_by(Group.name)).all()
    return ctx.t("common.list_sep").join(names)


def send(ctx: Context, conversation: Conversation):
    """(trigger, replies): the activity stored, its invitations queued once each."""
    data = conversation.data
    refused = [gid for gid in data["groups"] if not may_use_group(ctx, gid)]
    if refused:
        ctx.audit("denied", subject_type="activity", note=f"groups {refused} at sending")
        data["groups"] = [gid for gid in data["groups"] if gid not in refused]
        return "edit_groups", [Reply(ctx.t("events.group_not_yours"))]
    if _moment(data["start"]) <= ctx.now:
        data["editing"] = True
        return "edit_start", [Reply(ctx.t("events.start_past"))]
    created = create_series(ctx, data)
    first, invited = created[0]
    ctx.audit("event.created", subject_type="activity", subject_id=first.id,
              note=f"{first.kind} {invited} x{len(created)}")
    key, values = ("events.created", {"number": first.id, "count": invited}) \
        if len(created) == 1 else ("events.created_series", {
            "count": len(created), "first": first.id, "people": invited})
    return "send", [Reply(ctx.t(key, **values), button_rows(
        [Button(ctx.t("events.roster_button"), f"ev:roster:{first.id}")]))]


def create_series(ctx: Context, data: dict) -> list[tuple[Activity, int]]:
    """The activity, or every occurrence of its series, each invited; (activity, invited)."""
    fields = fields_of(data)
    start, length = fields["start_at"], fields["end_at"] - fields["start_at"]
    before = start - fields["signup_deadline"] if fields["signup_deadline"] else None
    created, series_id = [], None
    for moment in series.starts(start, data.get("repeat"), ctx.services.settings.tz):
        fields.update(start_at=moment, end_at=moment + length,
                      signup_deadline=moment - before if before is not None else None)
        activity = activities.create(ctx.session, ctx.now, organiser_id=ctx.person.id,
                                     series_id=series_id, **fields)
        if data.get("repeat") and series_id is None:
            series_id = activity.series_id = activity.id
            ctx.session.add(activity)
        invited = activities.invite_groups(ctx.session, activity, data["groups"])
        pushes.invite_all(ctx.session, ctx.services, activity,
                          not_before=moment - INVITE_AHEAD if created else None)
        created.append((activity, invited))
    return created
