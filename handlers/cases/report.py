"""`/report`: a delegate reports a problem step by step; the draft lives in the database."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import select

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, EventKind, Reply, button_rows
from bot.flows.engine import button_value, flow_payload, typed_text
from bot.flows.report import FIELDS, REPORT
from handlers.activities import found
from handlers.cases import access, photos, submit
from handlers.cases.render import summary_line
from handlers.cases.report_view import preview_text
from handlers.drafts import start_flow
from handlers.form import Form, ask_again
from handlers.labels import area_label
from storage import cases, conversations, townships
from storage.case_models import Case
from storage.models import Area, Conversation

FLOW = REPORT.name
MIN_TEXT, MAX_TEXT, MAX_ADDRESS = 10, 2000, 200
TOWNSHIPS_PER_ROW = 3


async def begin(ctx: Context) -> list[Reply]:
    """Open a new draft at the first step."""
    if submit.reporting_group(ctx, -1) is None:
        return [Reply(ctx.t("report.no_group"))]
    data = {"photos": [], "township": ctx.person.township}
    conversation = start_flow(ctx, FLOW, REPORT.initial, data)
    return [prompt(ctx, conversation)]


def _choice(ctx: Context) -> str | None:
    return button_value(ctx.event)


def _text(ctx: Context) -> str | None:
    return typed_text(ctx.event)


def _again(ctx: Context, conversation: Conversation, key: str, **values):
    return ask_again(ctx, conversation, prompt, key, **values)


async def _take_area(ctx, conversation):
    area = ctx.session.exec(select(Area).where(Area.code == (_choice(ctx) or ""))).first()
    if area is None:
        return _again(ctx, conversation, "report.pick_button")
    conversation.data["area_id"] = area.id
    return "chose_area", []


async def _take_description(ctx, conversation):
    if ctx.event.kind is EventKind.VOICE:
        voice = photos.take_voice(ctx)
        if voice is None:
            return _again(ctx, conversation, "report.voice_failed")
        conversation.data["voice"] = voice
        return None, [Reply(ctx.t("report.voice_kept"))]
    text = _text(ctx)
    if text is None:
        return _again(ctx, conversation, "report.text_expected")
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        return _again(ctx, conversation, "report.text_length", min=MIN_TEXT, max=MAX_TEXT,
                      length=len(text))
    conversation.data["description"] = text
    return "described", []


async def _take_photos(ctx, conversation):
    if _choice(ctx) == "done":
        return "photos_done", []
    if not photos.is_photo_event(ctx):
        return _again(ctx, conversation, "report.photo_expected")
    kept = conversation.data.setdefault("photos", [])
    intake = photos.take_images(ctx, photos.photo_room(kept))
    kept.extend(intake.stored)
    replies = [Reply(ctx.t(intake.refusal, **photos.refusal_values(ctx)))] \
        if intake.refusal else []
    return None, [*replies, prompt(ctx, conversation)]


async def _take_location(ctx, conversation):
    if _choice(ctx) == "skip":
        return "located", []
    if ctx.event.kind is EventKind.LOCATION and ctx.event.location:
        if not ctx.event.location.valid:
            return _again(ctx, conversation, "report.location_invalid")
        conversation.data["latitude"] = ctx.event.location.latitude
        conversation.data["longitude"] = ctx.event.location.longitude
        return "located", []
    text = _text(ctx)
    if not text:
        return _again(ctx, conversation, "report.location_expected")
    conversation.data["address"] = text[:MAX_ADDRESS]
    return "located", []


async def _take_township(ctx, conversation):
    """A township of the list: a button, or typed text matched to one (青石 → 青石镇)."""
    offered = conversation.data.get("townships") or township_choices(ctx)
    index = parse_int((_choice(ctx) or "").removeprefix("t:"), 0, len(offered) - 1)
    text = _text(ctx)
    if index is not None:
        chosen = offered[index]
    elif text and offered:
        chosen = townships.match(text, offered)
        if chosen is None:
            return _again(ctx, conversation, "report.township_unknown", typed=text[:20])
    elif text:  # no township is known yet (an empty roster): take the name as typed
        chosen = text[:50]
    else:
        return _again(ctx, conversation, "report.township_expected")
    conversation.data["township"] = chosen
    return "placed", []


def township_choices(ctx: Context) -> list[str]:
    """The county's townships, the reporter's own first."""
    names = townships.known(ctx.session, townships.configured(ctx.services.settings.townships))
    own = ctx.person.township
    return sorted(names, key=lambda name: name != own)


async def _take_preview(ctx, conversation):
    choice = _choice(ctx) or ""
    if choice.startswith("edit_") and choice.removeprefix("edit_") in FIELDS:
        conversation.data["editing"] = True
        return choice, []
    if choice == "found" and found.toggle(ctx, conversation.data):  # 本次视察发现
        return None, [replace(prompt(ctx, conversation), edit=True)]
    if choice != "submit":
        return _again(ctx, conversation, "report.pick_button")
    similar = submit.similar_open_cases(ctx, conversation.data)
    if similar:
        conversation.data["candidates"] = [case.id for case in similar]
        return "check", []
    return "submit", _submit_new(ctx, conversation)


async def _take_duplicates(ctx, conversation):
    choice = _choice(ctx) or ""
    if choice == "back":
        return "back", []
    if choice == "new":
        return "submit", _submit_new(ctx, conversation)
    case_id = parse_int(choice.removeprefix("join:"))
    if case_id not in conversation.data.get("candidates", []):
        return _again(ctx, conversation, "report.pick_button")
    case = ctx.session.get(Case, case_id)
    if case is None or not cases.is_open(case):
        conversation.data["candidates"].remove(case_id)
        return _again(ctx, conversation, "report.candidate_gone")
    group = access.join_group(ctx, case)
    if group is None:  # the button is never shown for such a case: a forged payload
        ctx.audit("denied", subject_type="case", subject_id=case.id, note="join")
        return _again(ctx, conversation, "report.pick_button")
    joined = submit.join_case(ctx, case, conversation.data, group)
    key = "report.joined" if joined else "report.added_to_own"
    return "submit", [Reply(ctx.t(key, number=case.number))]


def media_room(conversation: Conversation, kind: EventKind) -> int:
    """Files the report's current step takes: photos (up to nine), or one voice note."""
    if conversation.state == "description" and kind is EventKind.VOICE:
        return 1
    return photos.photos_step_room(conversation, kind)


def _submit_new(ctx: Context, conversation: Conversation) -> list[Reply]:
    group = submit.reporting_group(ctx, conversation.data["area_id"])
    case = submit.create_case(ctx, conversation.data, group)
    found.link(ctx, conversation.data, case)
    return [Reply(ctx.t("report.receipt", number=case.number, group=group.name))]


TAKERS = {"area": _take_area, "description": _take_description, "photos": _take_photos,
          "location": _take_location, "township": _take_township, "preview": _take_preview,
          "duplicates": _take_duplicates}


def prompt(ctx: Context, conversation: Conversation) -> Reply:
    """The question of the current step, with its buttons."""
    state, data = conversation.state, conversation.data
    def button(key, value, **v):
        return Button(ctx.t(key, **v), flow_payload(FLOW, state, value))
    if state == "area":
        areas = ctx.session.exec(select(Area).order_by(Area.position, Area.id)).all()
        return Reply(ctx.t("report.ask_area"), button_rows(
            *[[Button(area_label(ctx.t, a), flow_payload(FLOW, state, a.code))] for a in areas]))
    if state == "photos":
        done = button_rows([button("report.photos_done", "done")])
        return Reply(ctx.t("report.ask_photos", count=len(data.get("photos", [])),
                           max=photos.MAX_PHOTOS), done)
    if state == "location":
        return Reply(ctx.t("report.ask_location"), button_rows([button("common.skip", "skip")]))
    if state == "township":
        return _township_prompt(ctx, conversation)
    if state == "preview":
        return Reply(preview_text(ctx, data), button_rows(
            [button("report.submit", "submit")],
            [button(f"report.edit.{f}", f"edit_{f}") for f in FIELDS[:3]],
            [button(f"report.edit.{f}", f"edit_{f}") for f in FIELDS[3:]],
            found.button(ctx, data, flow_payload(FLOW, state, "found")),
            [Button(ctx.t("common.cancel"), "cmd:cancel")]))
    if state == "duplicates":
        return _duplicates_prompt(ctx, conversation)
    return Reply(ctx.t("report.ask_description", min=MIN_TEXT, max=MAX_TEXT))


def _township_prompt(ctx: Context, conversation: Conversation) -> Reply:
    """Every township as a button (the reporter's own first, marked); the list is kept in the
    draft so a button means the same township however the roster changes meanwhile.
    """
    offered = conversation.data["townships"] = township_choices(ctx)
    conversations.save(ctx.session, conversation, ctx.now)
    own = ctx.person.township
    buttons = [Button(ctx.t("report.keep_township", township=name) if name == own else name,
                      flow_payload(FLOW, "township", f"t:{n}")) for n, name in enumerate(offered)]
    rows = [buttons[i:i + TOWNSHIPS_PER_ROW] for i in range(0, len(buttons), TOWNSHIPS_PER_ROW)]
    key = "report.ask_township" if offered else "report.ask_township_free"
    return Reply(ctx.t(key), button_rows(*rows))


def _duplicates_prompt(ctx: Context, conversation: Conversation) -> Reply:
    """Cases the reporter may join, in full with a button; others by number only."""
    candidates = [ctx.session.get(Case, cid) for cid in conversation.data.get("candidates", [])]
    joinable = [c for c in candidates if access.join_group(ctx, c) is not None]
    elsewhere = [c.number for c in candidates if c not in joinable]
    lines = [ctx.t("report.similar_found"), *(summary_line(ctx, c) for c in joinable)] \
        if joinable else []
    if elsewhere:
        lines.append(ctx.t("report.similar_elsewhere",
                           numbers=ctx.t("common.list_sep").join(elsewhere)))
    rows = [[Button(ctx.t("report.join", number=c.number),
                    flow_payload(FLOW, "duplicates", f"join:{c.id}"))] for c in joinable]
    rows.append([Button(ctx.t("report.submit_new"), flow_payload(FLOW, "duplicates", "new")),
                 Button(ctx.t("report.back"), flow_payload(FLOW, "duplicates", "back"))])
    return Reply("\n".join(lines), button_rows(*rows))


# While a field is edited from the preview, its answer goes back to the preview.
FORM = Form(TAKERS, prompt, lambda state, _trigger: state in FIELDS)
step = FORM.step
