"""`/newsurvey`: staff write a survey or vote in chat: title, kind, departments (toggles) or
options (one per line) and how many to choose, the close, then a preview with the real number of
voters, and open. Voters: the delegates of the counted levels (省/市/县); files allow more.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import select

from bot.core.context import Context
from bot.core.numbers import parse_days, parse_int
from bot.core.types import Button, Reply, button_rows
from bot.flows.engine import button_value, flow_payload, typed_text
from bot.flows.newsurvey import NEW_SURVEY
from handlers.drafts import start_flow
from handlers.form import Form, ask_again
from handlers.surveys import office
from handlers.surveys.render import local
from storage import surveys
from storage.models import Department, Role
from storage.survey_models import DEFAULT_COUNTED_LEVELS, DEFAULT_OPTIONS, Survey, SurveyKind
from storage.survey_spec import SurveyDraft, parse_time

FLOW = NEW_SURVEY.name
SEPARATORS = re.compile(r"[\n、,，;；]")  # between a vote's options as typed
MAX_TITLE, MAX_OPTIONS, MAX_DAYS = 100, 30, 90


async def begin(ctx: Context) -> list[Reply]:
    """Open a new survey draft at its first step."""
    conversation = start_flow(ctx, FLOW, NEW_SURVEY.initial, {"departments": []})
    return [prompt(ctx, conversation)]


def _again(ctx: Context, conversation, key: str, **values):
    return ask_again(ctx, conversation, prompt, key, **values)


async def _take_title(ctx: Context, conversation):
    text = typed_text(ctx.event)
    if not text or len(text) > MAX_TITLE:
        return _again(ctx, conversation, "surveys.new.title_expected", max=MAX_TITLE)
    conversation.data["title"] = text
    return "named", []


async def _take_kind(ctx: Context, conversation):
    kind = button_value(ctx.event)
    if kind not in (SurveyKind.EVALUATION.value, SurveyKind.VOTE.value):
        return _again(ctx, conversation, "surveys.new.pick_button")
    conversation.data["kind"] = kind
    return "kind_chosen", []


def _departments(ctx: Context) -> list[Department]:
    return list(ctx.session.exec(select(Department).order_by(Department.id)).all())


async def _take_items(ctx: Context, conversation):
    data = conversation.data
    if data["kind"] == SurveyKind.VOTE.value:
        lines = [part.strip() for part in SEPARATORS.split(typed_text(ctx.event) or "")
                 if part.strip()]
        if not 2 <= len(set(lines)) == len(lines) <= MAX_OPTIONS:
            return _again(ctx, conversation, "surveys.new.options_expected", max=MAX_OPTIONS)
        data["options"] = lines
        return "listed_options", []
    value, chosen = button_value(ctx.event) or "", data["departments"]
    known = [d.id for d in _departments(ctx)]
    if value == "done":
        return ("listed", []) if chosen else _again(ctx, conversation, "surveys.new.none_chosen")
    if value == "all":
        data["departments"] = [] if len(chosen) == len(known) else known
    elif parse_int(value) in known:
        number = parse_int(value)
        chosen.remove(number) if number in chosen else chosen.append(number)
    else:
        return _again(ctx, conversation, "surveys.new.pick_button")
    return None, [prompt(ctx, conversation)]


async def _take_choose(ctx: Context, conversation):
    options = len(conversation.data["options"])
    number = parse_int(typed_text(ctx.event), 1, options)
    if number is None:
        return _again(ctx, conversation, "surveys.new.choose_expected", most=options)
    conversation.data["choose"] = number
    return "chosen", []


async def _take_closes(ctx: Context, conversation):
    text, tz = typed_text(ctx.event) or "", ctx.services.settings.tz
    days = parse_days(text, 1, MAX_DAYS)
    closes = ctx.now + timedelta(days=days) if days else parse_time(text, tz)
    if closes is None or closes <= ctx.now:
        return _again(ctx, conversation, "surveys.new.closes_expected", max=MAX_DAYS)
    conversation.data["closes"] = closes.isoformat()
    return "dated", []


def draft_of(ctx: Context, data: dict) -> SurveyDraft:
    """The survey the dialog describes, for the default voters (the counted levels)."""
    kind = SurveyKind(data["kind"])
    if kind is SurveyKind.VOTE:
        items = [("option", label, None, None) for label in data["options"]]
    else:
        names = {d.id: d.name for d in _departments(ctx)}
        items = [("department", names[i], i, None) for i in sorted(data["departments"])
                 if i in names]
    levels = list(DEFAULT_COUNTED_LEVELS)
    return SurveyDraft(title=data["title"], kind=kind, items=items, options=list(DEFAULT_OPTIONS),
                       eligible={"groups": [], "levels": levels}, counted_levels=levels,
                       opens_at=ctx.now, closes_at=datetime.fromisoformat(data["closes"]),
                       max_choices=data.get("choose", 1))


async def _take_preview(ctx: Context, conversation):
    if button_value(ctx.event) != "open":
        return _again(ctx, conversation, "surveys.new.pick_button")
    if not ctx.has_any(Role.STAFF):
        ctx.audit("denied", subject_type="survey", note="newsurvey")
        return _again(ctx, conversation, "common.not_allowed")
    survey = surveys.create(ctx.session, draft_of(ctx, conversation.data), ctx.person.id,
                            ctx.now)
    count = office.open_now(ctx.session, ctx.services, survey.id)
    ctx.audit("survey.opened", subject_type="survey", subject_id=survey.id, note=str(count))
    return "open", [Reply(ctx.t("surveys.opened", number=survey.id, count=count))]


TAKERS = {"title": _take_title, "kind": _take_kind, "items": _take_items,
          "choose": _take_choose, "closes": _take_closes, "preview": _take_preview}


def _button(ctx: Context, state: str, label: str, value: str) -> Button:
    return Button(label, flow_payload(FLOW, state, value))


def prompt(ctx: Context, conversation) -> Reply:
    """The question of the current step, with its buttons."""
    state, data, t = conversation.state, conversation.data, ctx.t
    if state == "kind":
        return Reply(t("surveys.new.ask_kind"), button_rows(
            [_button(ctx, state, t("surveys.kind.evaluation"), SurveyKind.EVALUATION.value),
             _button(ctx, state, t("surveys.kind.vote"), SurveyKind.VOTE.value)]))
    if state == "items" and data.get("kind") == SurveyKind.VOTE.value:
        return Reply(t("surveys.new.ask_options", max=MAX_OPTIONS))
    if state == "items":
        chosen = set(data["departments"])
        rows = [[_button(ctx, state, ("✓ " if d.id in chosen else "") + d.name, str(d.id))]
                for d in _departments(ctx)]
        rows.append([_button(ctx, state, t("surveys.new.all"), "all"),
                     _button(ctx, state, t("surveys.button.picked"), "done")])
        return Reply(t("surveys.new.ask_departments", count=len(chosen)), button_rows(*rows))
    if state == "choose":
        return Reply(t("surveys.new.ask_choose", most=len(data["options"])))
    if state == "closes":
        return Reply(t("surveys.new.ask_closes", max=MAX_DAYS))
    if state == "preview":
        return _preview(ctx, conversation)
    return Reply(t("surveys.new.ask_title", max=MAX_TITLE))


def _preview(ctx: Context, conversation) -> Reply:
    draft, t = draft_of(ctx, conversation.data), ctx.t
    probe = Survey(title=draft.title, kind=draft.kind.value, options=[], eligible=draft.eligible,
                   counted_levels=draft.counted_levels, reminders=[], opens_at=ctx.now,
                   closes_at=draft.closes_at, created_at=ctx.now)
    count = surveys.count_audience(ctx.session, probe)
    items = t("common.list_sep").join(label for _, label, _, _ in draft.items)
    text = t("surveys.new.preview", title=draft.title, kind=t(
        "surveys.kind.vote" if draft.kind is SurveyKind.VOTE else "surveys.kind.evaluation"),
        items=items, most=draft.max_choices, count=count,
        closes=local(draft.closes_at, ctx.services.settings.tz))
    return Reply(text, button_rows([_button(ctx, "preview", t("surveys.button.open"), "open")],
                                   [Button(t("common.cancel"), "cmd:cancel")]))


FORM = Form(TAKERS, prompt, lambda _state, _trigger: False, edit_in_place=True)
step = FORM.step
