"""The organiser's roster of an activity: signed up, waitlisted, declined, on leave (with
reasons), withdrawn, no answer; with buttons to nudge, move, cancel and mark attendance.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from handlers.activities import pushes, render
from handlers.activities.checkin import OPENS_BEFORE
from storage import activities
from storage.activity_models import Activity, ActivityState, Answer

ORDER = (Answer.SIGNED_UP, Answer.WAITLISTED, Answer.LEAVE, Answer.DECLINED, Answer.WITHDRAWN,
         Answer.NONE)
MARK_BUTTONS = 20


def _name(ctx: Context, row, person) -> str:
    if row.answer == Answer.LEAVE and row.reason:
        return ctx.t("events.roster.with_reason", name=person.name, reason=row.reason)
    if row.answer == Answer.WITHDRAWN and row.late:
        return ctx.t("events.roster.late", name=person.name)
    if row.checked_in_at is not None:
        return f"{person.name} ✓"
    return person.name


def view(ctx: Context, activity: Activity, edit: bool = False) -> list[Reply]:
    """The roster, grouped by answer (the waitlist in its order)."""
    rows = activities.roster(ctx.session, activity.id)
    by_answer: dict[str, list] = {answer: [] for answer in ORDER}
    for row, person in rows:
        by_answer.setdefault(row.answer, []).append((row, person))
    by_answer[Answer.WAITLISTED].sort(key=lambda pair: (pair[0].answered_at, pair[0].id))
    zone = ctx.services.settings.tz
    lines = [render.summary(ctx.t, activity, zone, pushes.organiser_of(ctx.session, activity))]
    if activity.series_id is not None:
        index, total = activities.series_position(ctx.session, activity)
        lines.append(ctx.t("events.series_line", index=index, count=total))
    if activity.state == ActivityState.CANCELLED:
        lines.append(ctx.t("events.roster.cancelled"))
    for answer in ORDER:
        names = [_name(ctx, row, person) for row, person in by_answer[answer]]
        lines.append(ctx.t(f"events.roster.{answer}", count=len(names),
                           names=ctx.t("common.list_sep").join(names) or "—"))
    return [Reply("\n".join(lines), _buttons(ctx, activity, by_answer), edit=edit)]


def _buttons(ctx: Context, activity: Activity, by_answer: dict) -> tuple:
    """Before the end: nudge, move, cancel; from an hour before the start: marks by hand;
    after the end: the work log.
    """
    if activity.state == ActivityState.CANCELLED:
        return ()
    aid, over = activity.id, ctx.now >= activity.end_at
    silent = sum(1 for _, person in by_answer[Answer.NONE] if person.id != activity.organiser_id)
    rows = [[Button(ctx.t("events.log_button"), f"ev:log:{aid}")]] if over else [
        [Button(ctx.t("events.nudge", count=silent), f"ev:nudge:{aid}")] if silent else [],
        [Button(ctx.t("events.move"), f"ev:mv:{aid}"),
         Button(ctx.t("events.cancel"), f"ev:cx:{aid}")],
        [Button(ctx.t("events.move_series"), f"ev:mvs:{aid}"),
         Button(ctx.t("events.cancel_series"), f"ev:cxs:{aid}")]
        if activity.series_id is not None else []]
    if ctx.now >= activity.start_at - OPENS_BEFORE:
        absent = [person for row, person in by_answer[Answer.SIGNED_UP]
                  if row.checked_in_at is None][:MARK_BUTTONS]
        rows += [[Button(ctx.t("events.mark", name=person.name), f"ev:mark:{aid}:{person.id}")]
                 for person in absent]
    return button_rows(*rows)


def mark(ctx: Context, activity: Activity, arg: str) -> list[Reply]:
    """The organiser marks a signed-up person present (payload `ev:mark:<id>:<person id>`)."""
    person_id = parse_int(arg)
    row = activities.answer_of(ctx.session, activity.id, person_id) \
        if person_id is not None else None
    if row is None or row.answer != Answer.SIGNED_UP:
        return [Reply(ctx.t("events.mark_not_signed_up"))]
    if ctx.now < activity.start_at - OPENS_BEFORE:
        return [Reply(ctx.t("events.checkin_too_early", number=activity.id))]
    if not activities.check_in(ctx.session, row.id, ctx.now, ctx.person.id):
        return [Reply(ctx.t("events.checkin_already", number=activity.id))]
    ctx.audit("event.marked", subject_type="activity", subject_id=activity.id,
              note=str(person_id))
    return view(ctx, activity, edit=True)
