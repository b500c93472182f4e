"""The secret ballot dialog: start from one's own copy, one item per step, summary, submit.

The answers of a half-finished ballot live only in the voter's conversation row (they survive a
restart) and are deleted at submit. Answer buttons carry random tokens that the conversation maps
to answers, so neither the logs (which name button payloads) nor a forwarded message tell what
was chosen. Every press is checked on the server: the survey is open, the presser is eligible,
has not voted, and the press belongs to the page they are on.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from bot.core.context import Context
from bot.core.dispatcher import Refusal
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from bot.flows.engine import StateMachine
from handlers.drafts import start_flow
from handlers.surveys import render
from storage import conversations, surveys
from storage.models import Conversation
from storage.survey_models import Survey, SurveyItem, SurveyState

FLOW = surveys.BALLOT_FLOW
DONE = "done"


def is_open(survey: Survey, now) -> bool:
    """Open and before its close."""
    return survey.state == SurveyState.OPEN.value and survey.closes_at > now


def refusal(ctx: Context, survey: Survey) -> str | None:
    """Why the presser may not vote in this survey now, as a catalog key, or None."""
    if not is_open(survey, ctx.now):
        return "surveys.refused.closed"
    voter = surveys.voter(ctx.session, survey.id, ctx.person.id)
    if voter is None:
        return "surveys.refused.not_eligible"
    if voter.voted_on is not None:
        return "surveys.refused.already_voted"
    return None


def _tokens(values: list[str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for value in values:
        token = secrets.token_hex(3)
        while token in keys:
            token = secrets.token_hex(3)
        keys[token] = value
    return keys


def page_reply(ctx: Context, survey: Survey, items: list[SurveyItem],
               conversation: Conversation, note: str = "") -> Reply:
    """The current page with fresh answer tokens kept in the conversation (edits the message)."""
    data = conversation.data
    all_pages = render.pages(survey, items)
    page = all_pages[data["page"]]
    progress = f"{data['page'] + 1}/{len(all_pages)}"
    t = ctx.t
    if page == render.PICK:
        options = [i for i in items if i.kind == "option"]
        keys = _tokens([str(i.id) for i in options] + [DONE])
        by_value = {value: token for token, value in keys.items()}
        picked = set(data.get("picked", []))
        buttons = [[Button(("✓ " if i.id in picked else "") + i.label,
                           f"sv:a:{survey.id}:{by_value[str(i.id)]}")] for i in options]
        buttons.append([Button(t("surveys.button.picked"), f"sv:a:{survey.id}:{by_value[DONE]}")])
        text = t("surveys.page.pick", title=survey.title, progress=progress,
                 most=survey.max_choices, least=survey.min_choices, count=len(picked))
    else:
        choices = render.choices_of(survey, page)
        keys = _tokens(choices)
        by_value = {value: token for token, value in keys.items()}
        chosen = data.get("answers", {}).get(str(page.id))
        buttons = [[Button(("✓ " if c == chosen else "") + c,
                           f"sv:a:{survey.id}:{by_value[c]}") for c in choices]]
        text = t("surveys.page.item", title=survey.title, progress=progress, label=page.label)
    data["keys"] = keys
    conversations.save(ctx.session, conversation, ctx.now)
    return Reply("\n".join(filter(None, [note, text])), button_rows(*buttons), edit=True)


def _ballot_of(ctx: Context, survey: Survey) -> Conversation | None:
    conversation = conversations.current(ctx.session, ctx.person.id)
    if conversation is None or conversation.flow != FLOW \
            or conversation.data.get("survey") != survey.id:
        return None
    return conversation


def _refused(ctx: Context, survey: Survey, key: str) -> list[Reply]:
    """Say why not; a ballot of this survey in progress is dropped (it can never be cast)."""
    if _ballot_of(ctx, survey) is not None:
        conversations.finish(ctx.session, ctx.person.id)
    return [Reply(ctx.t(key, title=survey.title), edit=True)]


async def begin(ctx: Context, survey: Survey) -> list[Reply]:
    """Start (or resume) this person's ballot."""
    why = refusal(ctx, survey)
    if why:
        return _refused(ctx, survey, why)
    items = surveys.items_of(ctx.session, survey.id)
    conversation = _ballot_of(ctx, survey)
    if conversation is None:
        conversation = start_flow(ctx, FLOW, "voting", {"survey": survey.id, "page": 0,
                                                        "answers": {}, "picked": []})
    if conversation.state == "summary":
        return [render.summary(ctx.t, survey, items, conversation.data)]
    return [page_reply(ctx, survey, items, conversation)]


async def _start(ctx: Context, survey: Survey, arg: str) -> list[Reply]:
    """The button on one's own copy; a copy forwarded from someone else is refused."""
    if parse_int(arg) != ctx.person.id:
        ctx.audit("denied", subject_type="survey", subject_id=survey.id, note="forwarded")
        return [Reply(ctx.t("surveys.refused.forwarded"))]
    return await begin(ctx, survey)


async def _answer(ctx: Context, survey: Survey, token: str) -> list[Reply]:
    """An answer on the current page (a token from an older page is stale)."""
    why = refusal(ctx, survey)
    if why:
        return _refused(ctx, survey, why)
    conversation = _ballot_of(ctx, survey)
    if conversation is None or conversation.state != "voting":
        return [Reply(ctx.t("surveys.refused.stale"), edit=True)]
    items = surveys.items_of(ctx.session, survey.id)
    value = conversation.data.get("keys", {}).get(token)
    if value is None:
        return [page_reply(ctx, survey, items, conversation, ctx.t("surveys.refused.old_step"))]
    page = render.pages(survey, items)[conversation.data["page"]]
    if page == render.PICK:
        note = _pick(ctx, survey, conversation.data, value)
        if note is not None:
            return [page_reply(ctx, survey, items, conversation, note)]
    else:
        conversation.data["answers"][str(page.id)] = value
    return [_advance(ctx, survey, items, conversation)]


def _pick(ctx: Context, survey: Survey, data: dict, value: str) -> str | None:
    """Toggle an option, or finish the picking; a note to stay on the page, or None to go on."""
    picked = data["picked"]
    if value == DONE:
        if len(picked) < survey.min_choices:
            return ctx.t("surveys.refused.too_few", least=survey.min_choices, count=len(picked))
        return None
    item_id = int(value)
    if item_id in picked:
        picked.remove(item_id)
    elif len(picked) >= survey.max_choices:
        return ctx.t("surveys.refused.too_many", most=survey.max_choices)
    else:
        picked.append(item_id)
    return ""


def _advance(ctx: Context, survey: Survey, items: list[SurveyItem],
             conversation: Conversation) -> Reply:
    """The next page, or the summary after the last one."""
    data = conversation.data
    if data["page"] + 1 < len(render.pages(survey, items)):
        data["page"] += 1
        return page_reply(ctx, survey, items, conversation)
    conversation.state = "summary"
    data.pop("keys", None)
    conversations.save(ctx.session, conversation, ctx.now)
    return render.summary(ctx.t, survey, items, data)


async def _submit(ctx: Context, survey: Survey, _arg: str) -> list[Reply]:
    """Cast the ballot once; the half-finished one in the conversation is deleted."""
    why = refusal(ctx, survey)
    if why:
        return _refused(ctx, survey, why)
    conversation = _ballot_of(ctx, survey)
    if conversation is None or conversation.state != "summary":
        return [Reply(ctx.t("surveys.refused.stale"), edit=True)]
    data = conversation.data
    choices = dict(data.get("answers", {}))
    if data.get("picked"):
        choices["picked"] = list(data["picked"])
    today = ctx.now.astimezone(ctx.services.settings.tz).date()
    if not surveys.cast(ctx.session, survey.id, ctx.person.id, choices, today, ctx.now):
        raise Refusal("surveys.refused.already_voted", title=survey.title)
    conversations.finish(ctx.session, ctx.person.id)  # not audited: the voter row has the day
    return [Reply(ctx.t("surveys.submitted", title=survey.title), edit=True)]


async def _change(ctx: Context, survey: Survey, _arg: str) -> list[Reply]:
    """Back to the first page with the answers kept (only when the survey allows changing)."""
    why = refusal(ctx, survey)
    if why:
        return _refused(ctx, survey, why)
    conversation = _ballot_of(ctx, survey)
    if conversation is None or conversation.state != "summary" or not survey.allow_change:
        return [Reply(ctx.t("surveys.refused.stale"), edit=True)]
    conversation.state, conversation.data["page"] = "voting", 0
    items = surveys.items_of(ctx.session, survey.id)
    return [page_reply(ctx, survey, items, conversation)]


async def step(ctx: Context, conversation: Conversation, _machine: StateMachine) -> list[Reply]:
    """Something typed during a ballot: the buttons answer; the current page is shown again."""
    survey = ctx.session.get(Survey, conversation.data.get("survey"))
    if survey is None:
        conversations.finish(ctx.session, ctx.person.id)
        return [Reply(ctx.t("surveys.refused.stale"))]
    why = refusal(ctx, survey)
    if why:
        return _refused(ctx, survey, why)
    items = surveys.items_of(ctx.session, survey.id)
    if conversation.state == "summary":
        shown = render.summary(ctx.t, survey, items, conversation.data)
    else:
        shown = page_reply(ctx, survey, items, conversation)
    return [Reply(ctx.t("surveys.use_buttons")), replace(shown, edit=False)]


HANDLERS = {"go": _start, "a": _answer, "ok": _submit, "chg": _change}
