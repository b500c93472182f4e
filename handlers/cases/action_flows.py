"""Short dialogs on a case: a reason, a progress update, or a fix with evidence photos."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.types import Button, EventKind, Reply, button_rows
from bot.flows.case_actions import CASE_NOTE
from bot.flows.engine import StateMachine, button_value, flow_payload
from handlers.cases import notify, photos
from handlers.cases.moves import can_move, move, refuse_unless_allowed
from handlers.drafts import start_flow
from storage import conversations
from storage.case_models import Case, CaseMedia, MediaKind, Satisfaction
from storage.models import Conversation

# action → (permission/trigger, needs photos step, at least one photo)
NOTE_ACTIONS = {"reject": ("reject", False, False), "progress": ("progress", True, False),
                "rectify": ("rectify", True, True), "reopen": ("reopen", False, False)}
REASONS = ("reject", "reopen")  # notes that are reasons: at least MIN_REASON characters
MIN_REASON, MAX_NOTE = 4, 1000


def _begin_note(action: str):
    async def begin(ctx: Context, case: Case, _arg: str) -> list[Reply]:
        trigger = NOTE_ACTIONS[action][0]
        if refusal := refuse_unless_allowed(ctx, case, trigger):
            return refusal
        if not can_move(case, trigger):
            move(ctx, case, trigger)  # raises the clear "illegal move" refusal
        start_flow(ctx, CASE_NOTE.name, "text",
                   {"action": action, "case_id": case.id, "photos": []})
        return [Reply(ctx.t(f"casenote.ask_text.{action}", number=case.number))]
    return begin


begin_reject = _begin_note("reject")
begin_progress = _begin_note("progress")
begin_rectify = _begin_note("rectify")
begin_reopen = _begin_note("reopen")  # 不满意: the reason goes back to the department


async def note_step(ctx: Context, conversation: Conversation, machine: StateMachine):
    """Take the note's text, then its photos, then apply it to the case."""
    data = conversation.data
    _, wants_photos, needs_photo = NOTE_ACTIONS[data["action"]]
    if conversation.state == "text":
        text = ctx.event.text.strip() if ctx.event.kind is EventKind.TEXT else ""
        if not text:
            return [Reply(ctx.t("common.text_expected"))]
        if data["action"] in REASONS and len(text) < MIN_REASON:
            return [Reply(ctx.t("casenote.reason_too_short", min=MIN_REASON))]
        data["text"] = text[:MAX_NOTE]
        if wants_photos:
            conversation.state = machine.move("text", "wrote")
            conversations.save(ctx.session, conversation, ctx.now)
            return [_photos_prompt(ctx, data)]
        return _finish_note(ctx, conversation, machine)
    if _value(ctx) == "done":
        if needs_photo and not data["photos"]:
            return [Reply(ctx.t("casenote.evidence_required")), _photos_prompt(ctx, data)]
        return _finish_note(ctx, conversation, machine)
    return await _take_note_photos(ctx, conversation)


async def _take_note_photos(ctx: Context, conversation: Conversation) -> list[Reply]:
    data = conversation.data
    if not photos.is_photo_event(ctx):
        return [Reply(ctx.t("report.photo_expected")), _photos_prompt(ctx, data)]
    intake = photos.take_images(ctx, photos.photo_room(data["photos"]))
    data["photos"].extend(intake.stored)
    conversations.save(ctx.session, conversation, ctx.now)
    refusal = [Reply(ctx.t(intake.refusal, **photos.refusal_values(ctx)))] \
        if intake.refusal else []
    return [*refusal, _photos_prompt(ctx, data)]


def _photos_prompt(ctx: Context, data: dict) -> Reply:
    key = "casenote.ask_photos.required" if NOTE_ACTIONS[data["action"]][2] else \
        "casenote.ask_photos.optional"
    return Reply(ctx.t(key, count=len(data["photos"]), max=photos.MAX_PHOTOS), button_rows(
        [Button(ctx.t("report.photos_done"), flow_payload(CASE_NOTE.name, "photos", "done"))]))


def _value(ctx: Context) -> str | None:
    return button_value(ctx.event)


def _finish_note(ctx: Context, conversation: Conversation, machine: StateMachine) -> list[Reply]:
    data = conversation.data
    machine.move(conversation.state, "finish")
    conversations.finish(ctx.session, ctx.person.id)
    case = ctx.session.get(Case, data["case_id"])
    trigger = NOTE_ACTIONS[data["action"]][0]
    if refusal := refuse_unless_allowed(ctx, case, trigger):
        return refusal
    move(ctx, case, trigger, note=data["text"])
    kind = MediaKind.EVIDENCE if trigger == "rectify" else MediaKind.PROGRESS
    for sha, ext in data["photos"]:
        ctx.session.add(CaseMedia(case_id=case.id, sha256=sha, ext=ext, kind=kind,
                                  added_by_id=ctx.person.id, added_at=ctx.now))
    return APPLY[trigger](ctx, case, data["text"])


def _applied_reject(ctx: Context, case: Case, text: str) -> list[Reply]:
    case.rejection_reason = text[:500]
    notify.to_reporters(ctx, case, "rejected", "case.push.rejected", reason=text)
    return [Reply(ctx.t("case.done.rejected", number=case.number))]


def _applied_progress(ctx: Context, case: Case, text: str) -> list[Reply]:
    case.progress_note = text
    stamp = ctx.now.strftime("%Y%m%d%H%M%S")
    notify.to_reporters(ctx, case, f"progress:{stamp}", "case.push.progress", note=text)
    return [Reply(ctx.t("case.done.progress", number=case.number))]


def _applied_rectify(ctx: Context, case: Case, text: str) -> list[Reply]:
    case.progress_note, case.rectified_at = text, ctx.now
    notify.to_reporters(ctx, case, f"rectified:{case.reopen_count}", "case.push.rectified",
                        ("vs", "vb", "vd"), note=text)
    return [Reply(ctx.t("case.done.rectified", number=case.number))]


def _applied_reopen(ctx: Context, case: Case, text: str) -> list[Reply]:
    case.satisfaction, case.verified_by_id = Satisfaction.DISSATISFIED.value, ctx.person.id
    case.reopen_count += 1
    case.rectified_at = None
    notify.to_department(ctx, case, f"reopened:{case.reopen_count}", "case.push.reopened",
                         ("upd", "fix"), reason=text)
    return [Reply(ctx.t("case.done.reopened", number=case.number))]


APPLY = {"reject": _applied_reject, "progress": _applied_progress, "rectify": _applied_rectify,
         "reopen": _applied_reopen}

