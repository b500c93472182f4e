"""The work log (工作日志) the organiser writes after an activity: text, then photos; shown
with the attendance computed from the answers and the cases reported as found during it.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.dispatcher import Refusal
from bot.core.types import Attachment, Button, EventKind, Reply, button_rows
from bot.flows.activity import WORK_LOG
from bot.flows.engine import StateMachine, button_value, flow_payload, typed_text
from handlers.activities.access import may_manage
from handlers.cases import photos
from handlers.cases.render import short
from handlers.drafts import start_flow
from storage import activities, conversations
from storage.activity_models import Activity, ActivityState, Answer
from storage.models import Conversation

FLOW = WORK_LOG.name
MIN_TEXT, MAX_TEXT = 5, 3000


def begin(ctx: Context, activity: Activity) -> list[Reply]:
    """Open the log's dialog: only after the activity ended, once, not for a cancelled one."""
    if activity.state == ActivityState.CANCELLED:
        return [Reply(ctx.t("events.is_cancelled", number=activity.id))]
    if ctx.now < activity.end_at:
        return [Reply(ctx.t("events.log_not_yet", number=activity.id))]
    if activities.log_of(ctx.session, activity.id)[0] is not None:
        return view(ctx, activity)
    start_flow(ctx, FLOW, WORK_LOG.initial, {"activity": activity.id, "photos": []})
    return [Reply(ctx.t("events.log_ask_text", number=activity.id, min=MIN_TEXT, max=MAX_TEXT))]


def media_room(conversation: Conversation, kind: EventKind) -> int:
    """For the intake: the photos step takes images until it holds nine."""
    return photos.photos_step_room(conversation, kind)


def _photos_prompt(ctx: Context, conversation: Conversation) -> Reply:
    return Reply(ctx.t("events.log_ask_photos", count=len(conversation.data["photos"]),
                       max=photos.MAX_PHOTOS),
                 button_rows([Button(ctx.t("events.log_done"),
                                     flow_payload(FLOW, "photos", "done"))]))


async def step(ctx: Context, conversation: Conversation, machine: StateMachine) -> list[Reply]:
    """Take the text, then photos until 完成; then store the log once."""
    activity = ctx.session.get(Activity, conversation.data["activity"])
    if activity is None or not may_manage(ctx, activity):
        raise Refusal("common.not_allowed")
    if conversation.state == "text":
        text = typed_text(ctx.event)
        if not text or not MIN_TEXT <= len(text) <= MAX_TEXT:
            return [Reply(ctx.t("events.log_length", min=MIN_TEXT, max=MAX_TEXT))]
        conversation.data["text"] = text
        conversation.state = machine.move("text", "wrote")
        conversations.save(ctx.session, conversation, ctx.now)
        return [_photos_prompt(ctx, conversation)]
    if button_value(ctx.event) == "done":
        return _finish(ctx, conversation, machine, activity)
    if not photos.is_photo_event(ctx):
        return [_photos_prompt(ctx, conversation)]
    intake = photos.take_images(ctx, photos.photo_room(conversation.data["photos"]))
    conversation.data["photos"].extend(intake.stored)
    conversations.save(ctx.session, conversation, ctx.now)
    told = [Reply(ctx.t(intake.refusal, **photos.refusal_values(ctx)))] if intake.refusal else []
    return [*told, _photos_prompt(ctx, conversation)]


def _finish(ctx: Context, conversation: Conversation, machine: StateMachine,
            activity: Activity) -> list[Reply]:
    data = conversation.data
    if not activities.write_log(ctx.session, activity.id, ctx.person.id, data["text"],
                                data["photos"], ctx.now):
        raise Refusal("events.log_exists", number=activity.id)
    conversation.state = machine.move("photos", "finished")
    conversations.finish(ctx.session, ctx.person.id)
    ctx.audit("event.logged", subject_type="activity", subject_id=activity.id,
              note=f"{len(data['photos'])} photos")
    return [Reply(ctx.t("events.log_saved", number=activity.id)), *view(ctx, activity)]


def view(ctx: Context, activity: Activity) -> list[Reply]:
    """The log with the attendance read from the answers, linked cases and its photos."""
    log, shots = activities.log_of(ctx.session, activity.id)
    if log is None:
        return [Reply(ctx.t("events.log_none", number=activity.id))]
    rows = activities.roster(ctx.session, activity.id)
    came = [person.name for row, person in rows if row.checked_in_at is not None]
    signed = sum(1 for row, _ in rows if row.answer == Answer.SIGNED_UP)
    lines = [ctx.t("events.log_view", number=activity.id, title=activity.title, text=log.text,
                   came=len(came), signed=signed, invited=len(rows),
                   names=ctx.t("common.list_sep").join(came) or "—")]
    lines += [ctx.t("events.log_case", number=c.number, text=short(c.description))
              for c in activities.linked_cases(ctx.session, activity.id)]
    store = ctx.services.media
    files = tuple(Attachment(str(store.path_for(p.sha256, p.ext)), f"{p.sha256[:12]}.{p.ext}",
                             is_photo=True) for p in shots) if store else ()
    return [Reply("\n".join(lines), attachments=files)]
