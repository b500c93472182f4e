"""`/newevent`: a squad leader (for their own groups) or staff (for any) creates an activity:
kind, title, time, place (typed or shared), capacity, sign-up deadline, groups, preview, send.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, EventKind, Reply, button_rows
from bot.flows.activity import NEW_EVENT
from bot.flows.engine import button_value, flow_payload, typed_text
from handlers.activities import render, send, series
from handlers.activities.times import parse_end, parse_moment
from handlers.drafts import start_flow
from handlers.form import Form, ask_again
from handlers.notices.audience import is_staff, may_use_group, usable_groups
from storage.activity_models import ActivityKind
from storage.models import Conversation

FLOW = NEW_EVENT.name
MIN_TITLE, MAX_TITLE, MAX_PLACE, MAX_CAPACITY = 2, 100, 200, 100_000
GROUP_BUTTONS, PER_ROW = 40, 2
ASKED = ("title", "start", "end", "place")  # the steps asked by events.ask_<state>
AFTER_EDIT = ("titled", "ended", "placed")  # what "review" replaces while editing


async def begin(ctx: Context) -> list[Reply]:
    """Open a new activity draft at its first step."""
    if not is_staff(ctx) and not usable_groups(ctx):
        return [Reply(ctx.t("events.no_group"))]
    conversation = start_flow(ctx, FLOW, NEW_EVENT.initial, {"groups": []})
    return [prompt(ctx, conversation)]


def _again(ctx: Context, conversation: Conversation, key: str, **values):
    return ask_again(ctx, conversation, prompt, key, **values)


def _today(ctx: Context):
    return ctx.now.astimezone(ctx.services.settings.tz).date()


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def _take_kind(ctx: Context, conversation: Conversation):
    value = button_value(ctx.event)
    if value not in {kind.value for kind in ActivityKind}:
        return _again(ctx, conversation, "events.pick_button")
    conversation.data["kind"] = value
    return "chose", []


async def _take_title(ctx: Context, conversation: Conversation):
    text = typed_text(ctx.event)
    if not text or not MIN_TITLE <= len(text) <= MAX_TITLE:
        return _again(ctx, conversation, "events.title_length", min=MIN_TITLE, max=MAX_TITLE)
    conversation.data["title"] = text
    return "titled", []


async def _take_start(ctx: Context, conversation: Conversation):
    text = typed_text(ctx.event)
    start = parse_moment(text, _today(ctx), ctx.services.settings.tz) if text else None
    if start is None:
        return _again(ctx, conversation, "events.time_unreadable")
    if start <= ctx.now:
        return _again(ctx, conversation, "events.start_past")
    conversation.data["start"] = start.isoformat()
    return "timed", []


async def _take_end(ctx: Context, conversation: Conversation):
    text = typed_text(ctx.event)
    start = _moment(conversation.data["start"])
    end = parse_end(text, start, ctx.services.settings.tz) if text else None
    if end is None:
        return _again(ctx, conversation, "events.time_unreadable")
    if end <= start:
        return _again(ctx, conversation, "events.end_before_start")
    conversation.data["end"] = end.isoformat()
    deadline = _moment(conversation.data.get("deadline"))
    if deadline is not None and deadline > start:
        conversation.data["deadline"] = None
    return "ended", []


async def _take_place(ctx: Context, conversation: Conversation):
    event = ctx.event
    if event.kind is EventKind.LOCATION and event.location and event.location.valid:
        conversation.data.update(lat=event.location.latitude, lon=event.location.longitude)
        conversation.data.setdefault("place", "")
        return "placed", []
    text = typed_text(event)
    if not text or len(text) > MAX_PLACE:
        return _again(ctx, conversation, "events.place_expected", max=MAX_PLACE)
    conversation.data["place"] = text
    return "placed", []


async def _take_capacity(ctx: Context, conversation: Conversation):
    if button_value(ctx.event) == "none":
        conversation.data["capacity"] = None
        return "sized", []
    text = typed_text(ctx.event) or ""
    number = text.removesuffix("人").strip()
    if number.startswith("-") or parse_int(number) == 0:
        return _again(ctx, conversation, "events.capacity_positive")
    capacity = parse_int(number, 1, MAX_CAPACITY)
    if capacity is None:
        return _again(ctx, conversation, "events.capacity_unreadable", max=MAX_CAPACITY)
    conversation.data["capacity"] = capacity
    return "sized", []


async def _take_deadline(ctx: Context, conversation: Conversation):
    if button_value(ctx.event) == "none":
        conversation.data["deadline"] = None
        return "dated", []
    text = typed_text(ctx.event)
    deadline = parse_moment(text, _today(ctx), ctx.services.settings.tz) if text else None
    if deadline is None:
        return _again(ctx, conversation, "events.time_unreadable")
    if deadline <= ctx.now or deadline > _moment(conversation.data["start"]):
        return _again(ctx, conversation, "events.deadline_range")
    conversation.data["deadline"] = deadline.isoformat()
    return "dated", []


async def _take_repeat(ctx: Context, conversation: Conversation):
    if button_value(ctx.event) == "none":
        conversation.data["repeat"] = None
        return "repeated", []
    text = typed_text(ctx.event)
    repeat = series.parse_repeat(text) if text else None
    if repeat is None:
        return _again(ctx, conversation, "events.repeat_unreadable", min=series.MIN_COUNT,
                      max=series.MAX_COUNT)
    conversation.data["repeat"] = repeat
    return "repeated", []


async def _take_groups(ctx: Context, conversation: Conversation):
    value, typed = button_value(ctx.event), typed_text(ctx.event)
    chosen = conversation.data["groups"]
    if value is None and typed:
        if not usable_groups(ctx, typed[:20]):
            return _again(ctx, conversation, "events.group_unknown", typed=typed[:20])
        conversation.data["group_filter"] = typed[:20]
        return None, [prompt(ctx, conversation)]
    if value == "done":
        if not chosen:
            return _again(ctx, conversation, "events.pick_none")
        conversation.data.pop("group_filter", None)
        return "chosen", []
    group_id = parse_int(value.removeprefix("g:")) if value and value.startswith("g:") else None
    if group_id is None or not may_use_group(ctx, group_id):
        ctx.audit("denied", subject_type="activity", note=f"group {ctx.event.payload}"[:200])
        return _again(ctx, conversation, "events.group_not_yours")
    if group_id in chosen:
        chosen.remove(group_id)
    else:
        chosen.append(group_id)
    asked = prompt(ctx, conversation)
    return None, [Reply(asked.text, asked.buttons, edit=True)]


async def _take_preview(ctx: Context, conversation: Conversation):
    choice = button_value(ctx.event) or ""
    if choice in ("edit_title", "edit_start", "edit_place", "edit_groups"):
        conversation.data["editing"] = choice != "edit_groups"
        return choice, []
    if choice != "send":
        return _again(ctx, conversation, "events.pick_button")
    return send.send(ctx, conversation)


TAKERS = {"kind": _take_kind, "title": _take_title, "start": _take_start, "end": _take_end,
          "place": _take_place, "capacity": _take_capacity, "deadline": _take_deadline,
          "repeat": _take_repeat, "groups": _take_groups, "preview": _take_preview}


def _button(ctx: Context, state: str, key: str, value: str, **values) -> Button:
    return Button(ctx.t(key, **values), flow_payload(FLOW, state, value))


def _kind_prompt(ctx: Context) -> Reply:
    buttons = [Button(render.kind_label(ctx.t, kind), flow_payload(FLOW, "kind", kind.value))
               for kind in ActivityKind]
    return Reply(ctx.t("events.ask_kind"), button_rows(*(buttons[i:i + 4]
                                                         for i in range(0, len(buttons), 4))))


def _groups_prompt(ctx: Context, conversation: Conversation) -> Reply:
    chosen = conversation.data["groups"]
    groups = usable_groups(ctx, conversation.data.get("group_filter"))
    shown = sorted(groups, key=lambda g: g.id not in chosen)[:GROUP_BUTTONS]
    buttons = [Button(f"✓ {g.name}" if g.id in chosen else g.name,
                      flow_payload(FLOW, "groups", f"g:{g.id}")) for g in shown]
    rows = [buttons[i:i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    return Reply(ctx.t("events.ask_groups", count=len(chosen)),
                 button_rows(*rows, [_button(ctx, "groups", "events.pick_done", "done")]))


def prompt(ctx: Context, conversation: Conversation) -> Reply:
    """The question of the current step, with its buttons."""
    state = conversation.state
    if state == "kind":
        return _kind_prompt(ctx)
    if state == "groups":
        return _groups_prompt(ctx, conversation)
    if state == "preview":
        return _preview(ctx, conversation)
    if state == "capacity":
        return Reply(ctx.t("events.ask_capacity"), button_rows(
            [_button(ctx, state, "events.no_limit", "none")]))
    if state == "deadline":
        return Reply(ctx.t("events.ask_deadline"), button_rows(
            [_button(ctx, state, "events.no_deadline", "none")]))
    if state == "repeat":
        return Reply(ctx.t("events.ask_repeat", max=series.MAX_COUNT), button_rows(
            [_button(ctx, state, "events.no_repeat", "none")]))
    if state not in ASKED:
        raise ValueError(f"no question for step {state}")
    return Reply(ctx.t(f"events.ask_{state}", min=MIN_TITLE, max=MAX_TITLE))


def _preview(ctx: Context, conversation: Conversation) -> Reply:
    draft = send.draft_activity(ctx, conversation.data)
    count = send.invitee_count(ctx, conversation.data["groups"])
    zone = ctx.services.settings.tz
    text = ctx.t("events.preview", summary=render.summary(ctx.t, draft, zone, ctx.person.name),
                 groups=send.group_names(ctx, conversation.data["groups"]), count=count)
    repeat = conversation.data.get("repeat")
    if repeat:
        last = series.starts(draft.start_at, repeat, zone)[-1]
        text += "\n" + ctx.t("events.repeat_line", rule=render.repeat_rule(ctx.t, repeat),
                              count=repeat["count"], last=render.when(ctx.t, last, zone))
    return Reply(text, button_rows(
        [_button(ctx, "preview", "events.send", "send", count=count)],
        [_button(ctx, "preview", "events.edit_title", "edit_title"),
         _button(ctx, "preview", "events.edit_start", "edit_start")],
        [_button(ctx, "preview", "events.edit_place", "edit_place"),
         _button(ctx, "preview", "events.edit_groups", "edit_groups")],
        [Button(ctx.t("common.cancel"), "cmd:cancel")]))


FORM = Form(TAKERS, prompt, lambda _state, trigger: trigger in AFTER_EDIT, edit_in_place=True)
step = FORM.step
