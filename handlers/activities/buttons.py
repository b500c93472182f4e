"""Activity buttons (`ev:<code>:<activity id>[:<arg>]`): answer, take leave, check in, show;
the organiser's roster, nudge, new time, cancellation and attendance marks.

Every press is checked on the server: only an invited person answers (a forwarded invitation
pressed by someone else is refused and audited), only the organiser or staff manage.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.types import Button, Reply, button_rows
from bot.flows.activity import CHECK_IN, LEAVE, MOVE
from handlers.activities import answers, checkin, pushes, render, roster, worklog
from handlers.activities.access import load, may_manage
from handlers.drafts import start_flow
from storage import activities
from storage.activity_models import MEETINGS, Activity, ActivityState, Answer

ANSWERING = ("yes", "no", "leave", "ci", "show", "logv")


async def on_button(ctx: Context) -> list[Reply]:
    """Parse the payload, load the activity and act (forged payloads are refused, audited)."""
    parts = (ctx.event.payload or "").split(":")
    code = parts[1] if len(parts) >= 3 else ""
    activity = load(ctx, parts[2]) if len(parts) >= 3 else None
    handler = HANDLERS.get(code)
    if activity is None or handler is None:
        ctx.audit("forged_payload", note=(ctx.event.payload or "")[:200])
        return [Reply(ctx.t("common.button_unknown"))]
    if code not in ANSWERING and not may_manage(ctx, activity):
        return _denied(ctx, activity, code)
    return await handler(ctx, activity, parts[3] if len(parts) > 3 else "")


def _denied(ctx: Context, activity: Activity, note: str) -> list[Reply]:
    ctx.audit("denied", subject_type="activity", subject_id=activity.id, note=note)
    return [Reply(ctx.t("common.not_allowed"))]


def current_invitation(ctx: Context, activity: Activity, edit: bool) -> Reply:
    """The invitation as this person sees it now (answer line and remaining choices)."""
    row = activities.answer_of(ctx.session, activity.id, ctx.person.id)
    position = activities.waitlist_position(ctx.session, row) \
        if row and row.answer == Answer.WAITLISTED else 0
    return render.invitation(ctx.t, activity, ctx.services.settings.tz,
                             pushes.organiser_of(ctx.session, activity), row, position, edit)


def _answerable(ctx: Context, activity: Activity, code: str):
    """The person's answer row, or the refusal to send instead."""
    row = activities.answer_of(ctx.session, activity.id, ctx.person.id)
    if row is None:
        return None, _denied(ctx, activity, code)
    if activity.state == ActivityState.CANCELLED:
        return None, [Reply(ctx.t("events.is_cancelled", number=activity.id), edit=True)]
    return row, None


async def _answer(ctx: Context, activity: Activity, code: str) -> list[Reply]:
    row, refused = _answerable(ctx, activity, code)
    if refused:
        return refused
    if code == "yes":
        answers.sign_up(ctx, activity, row)
    else:
        answers.step_back(ctx, activity, row, Answer.DECLINED)
    ctx.session.refresh(activity)
    return [current_invitation(ctx, activity, edit=True)]


async def _yes(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    return await _answer(ctx, activity, "yes")


async def _no(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    return await _answer(ctx, activity, "no")


async def _leave(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    """请假 (meetings): ask for the reason; the answer is recorded when it is typed."""
    _row, refused = _answerable(ctx, activity, "leave")
    if refused:
        return refused
    if activity.kind not in MEETINGS:
        return await _answer(ctx, activity, "no")
    start_flow(ctx, LEAVE.name, LEAVE.initial, {"activity": activity.id})
    return [Reply(ctx.t("events.ask_reason", number=activity.id, title=activity.title))]


async def _show(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    if activities.answer_of(ctx.session, activity.id, ctx.person.id) is None:
        return roster.view(ctx, activity) if may_manage(ctx, activity) else \
            _denied(ctx, activity, "show")
    return [current_invitation(ctx, activity, edit=False)]


async def _check_in(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    row, refused = _answerable(ctx, activity, "ci")
    if refused:
        return refused
    problem = checkin.problem(ctx, activity, row)
    if problem:
        return [Reply(ctx.t(problem, number=activity.id))]
    if activity.latitude is not None:
        start_flow(ctx, CHECK_IN.name, CHECK_IN.initial, {"activity": activity.id})
        return [Reply(ctx.t("events.ask_location", number=activity.id))]
    return checkin.record(ctx, activity, row, None)


async def _roster(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    return roster.view(ctx, activity)


async def _nudge(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    """Remind those who have not answered; a second press the same day reaches nobody twice."""
    if activity.state == ActivityState.CANCELLED:
        return [Reply(ctx.t("events.is_cancelled", number=activity.id))]
    day = ctx.now.astimezone(ctx.services.settings.tz).date().isoformat()
    queued = pushes.nudge(ctx.session, ctx.services, activity, day)
    ctx.audit("event.nudged", subject_type="activity", subject_id=activity.id, note=str(queued))
    return [Reply(ctx.t("events.nudged", number=activity.id, count=queued))]


async def _ask_cancel(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    if activity.state == ActivityState.CANCELLED:
        return [Reply(ctx.t("events.is_cancelled", number=activity.id))]
    return [Reply(ctx.t("events.cancel_confirm", number=activity.id, title=activity.title),
                  button_rows([Button(ctx.t("events.cancel_yes"), f"ev:cxy:{activity.id}"),
                               Button(ctx.t("events.cancel_no"), f"ev:roster:{activity.id}")]))]


def cancel_one(ctx: Context, activity: Activity) -> int | None:
    """Cancel once: those signed up are told, unsent reminders and invitations never go out;
    how many were told (None: it was cancelled already).
    """
    if not activities.cancel(ctx.session, activity.id):
        return None
    ctx.session.refresh(activity)
    dropped = sum(activities.cancel_pending_reminders(ctx.session, activity.id, kind)
                  for kind in ("remind", "invite", "nudge"))
    told = pushes.cancelled(ctx.session, ctx.services, activity)
    ctx.audit("event.cancelled", subject_type="activity", subject_id=activity.id,
              note=f"told {told}, unsent pushes dropped {dropped}")
    return told


async def _cancel(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    told = cancel_one(ctx, activity)
    if told is None:
        return [Reply(ctx.t("events.is_cancelled", number=activity.id), edit=True)]
    return [Reply(ctx.t("events.cancelled", number=activity.id, count=told), edit=True)]


async def _ask_cancel_series(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    rest = activities.rest_of_series(ctx.session, activity)
    if activity.state == ActivityState.CANCELLED or not rest:
        return [Reply(ctx.t("events.is_cancelled", number=activity.id))]
    return [Reply(ctx.t("events.cancel_series_confirm", number=activity.id,
                        count=len(rest) - 1), button_rows(
        [Button(ctx.t("events.cancel_yes"), f"ev:cxsy:{activity.id}"),
         Button(ctx.t("events.cancel_no"), f"ev:roster:{activity.id}")]))]


async def _cancel_series(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    """This occurrence and every standing one after it."""
    results = [cancel_one(ctx, each) for each in activities.rest_of_series(ctx.session, activity)]
    done = [told for told in results if told is not None]
    if not done:
        return [Reply(ctx.t("events.is_cancelled", number=activity.id), edit=True)]
    return [Reply(ctx.t("events.cancelled_series", count=len(done), people=sum(done)),
                  edit=True)]


async def _ask_move(ctx: Context, activity: Activity, arg: str) -> list[Reply]:
    if activity.state == ActivityState.CANCELLED:
        return [Reply(ctx.t("events.is_cancelled", number=activity.id))]
    start_flow(ctx, MOVE.name, MOVE.initial, {"activity": activity.id,
                                              "version": activity.version,
                                              "series": arg == "series"})
    return [Reply(ctx.t("events.ask_new_start", number=activity.id,
                        when=render.span(ctx.t, activity, ctx.services.settings.tz)))]


async def _ask_move_series(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    return await _ask_move(ctx, activity, "series")


async def _mark(ctx: Context, activity: Activity, arg: str) -> list[Reply]:
    """The organiser marks a signed-up person present by hand."""
    return roster.mark(ctx, activity, arg)


async def _write_log(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    return worklog.begin(ctx, activity)


async def _view_log(ctx: Context, activity: Activity, _arg: str) -> list[Reply]:
    """The work log, for the invited, the organiser and staff."""
    if activities.answer_of(ctx.session, activity.id, ctx.person.id) is None and \
            not may_manage(ctx, activity):
        return _denied(ctx, activity, "logv")
    return worklog.view(ctx, activity)


HANDLERS = {"yes": _yes, "no": _no, "leave": _leave, "show": _show, "ci": _check_in,
            "roster": _roster, "nudge": _nudge, "cx": _ask_cancel, "cxy": _cancel,
            "mv": _ask_move, "mark": _mark, "cxs": _ask_cancel_series, "cxsy": _cancel_series,
            "mvs": _ask_move_series, "log": _write_log, "logv": _view_log}
