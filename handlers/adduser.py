"""Staff flow: add one person (name, phone, level, township, group, role) and issue their invite."""

from __future__ import annotations

from sqlmodel import select

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from bot.flows.adduser import ADD_PERSON
from bot.flows.engine import StateMachine, button_value, flow_payload, typed_text
from handlers.adduser_roles import (
    apply_role,
    audit_note,
    department_prompt,
    role_label,
    role_prompt,
    still_valid,
    take_department,
    take_role,
)
from handlers.drafts import start_flow
from handlers.labels import level_label
from storage import conversations, invites
from storage.models import Conversation, Group, Level, Membership, Person, Role
from storage.phones import normalize_phone

FLOW = ADD_PERSON.name
MAX_GROUP_BUTTONS = 6
NO_LEVEL = "none"
SKIP = "skip"


async def begin(ctx: Context) -> list[Reply]:
    """`/adduser`: open the flow at its first step."""
    conversation = start_flow(ctx, FLOW, ADD_PERSON.initial)
    return [prompt(ctx, conversation)]


async def step(ctx: Context, conversation: Conversation, machine: StateMachine) -> list[Reply]:
    """Take the input for the current state, move on, and ask the next question."""
    answer = _answer(ctx)
    if answer is None:
        return [Reply(ctx.t("common.text_expected")), prompt(ctx, conversation)]
    trigger, error = STEPS[conversation.state](ctx, conversation, answer)
    if error:
        return [Reply(error), prompt(ctx, conversation)]
    conversation.state = machine.move(conversation.state, trigger)
    if conversation.state == "done":
        return _create(ctx, conversation)
    conversations.save(ctx.session, conversation, ctx.now)
    return [prompt(ctx, conversation)]


def _answer(ctx: Context) -> str | None:
    return button_value(ctx.event) or typed_text(ctx.event) or None


def _take_name(ctx, conversation, answer):
    if len(answer) > 50:
        return None, ctx.t("adduser.name_too_long")
    conversation.data["name"] = answer
    return "named", None


def _take_phone(ctx, conversation, answer):
    phone = normalize_phone(answer)
    if phone is None:
        return None, ctx.t("adduser.phone_invalid")
    if ctx.session.exec(select(Person.id).where(Person.phone == phone)).first():
        return None, ctx.t("adduser.phone_taken", phone=phone)
    conversation.data["phone"] = phone
    return "phoned", None


def _take_level(ctx, conversation, answer):
    if button_value(ctx.event) not in {lv.value for lv in Level} | {NO_LEVEL}:
        return None, ctx.t("adduser.pick_button")
    if answer != NO_LEVEL:
        conversation.data["level"] = answer
        return "leveled", None
    conversation.data.update(level=None, township=None, group_id=None)
    return "not_delegate", None


def _take_township(ctx, conversation, answer):
    conversation.data["township"] = None if button_value(ctx.event) == SKIP else answer[:50]
    return "placed", None


def _take_group(ctx, conversation, answer):
    if button_value(ctx.event) == SKIP:
        conversation.data["group_id"] = None
        return "grouped", None
    group = _find_group(ctx, answer)
    if group is None:
        return None, ctx.t("adduser.group_unknown", name=answer[:50])
    conversation.data["group_id"] = group.id
    return "grouped", None


def _take_confirm(ctx, conversation, answer):
    choice = button_value(ctx.event)
    if choice not in ("yes", "no"):
        return None, ctx.t("adduser.pick_button")
    if choice == "no":
        conversation.data = {}
        return "restart", None
    return "submit", None


STEPS = {"name": _take_name, "phone": _take_phone, "level": _take_level,
         "township": _take_township, "group": _take_group, "role": take_role,
         "department": take_department, "confirm": _take_confirm}


def _find_group(ctx: Context, answer: str) -> Group | None:
    if (group_id := parse_int(answer)) is not None:
        return ctx.session.get(Group, group_id)
    return ctx.session.exec(select(Group).where(Group.name == answer)).first()


def prompt(ctx: Context, conversation: Conversation) -> Reply:
    """The question for the conversation's current state."""
    state = conversation.state
    if state == "level":
        levels = [Button(level_label(ctx.t, lv.value), flow_payload(FLOW, state, lv.value))
                  for lv in Level]
        none = Button(ctx.t("adduser.no_level"), flow_payload(FLOW, state, NO_LEVEL))
        return Reply(ctx.t("adduser.ask_level"), button_rows(levels[:3], levels[3:], [none]))
    if state == "township":
        return Reply(ctx.t("adduser.ask_township"), _skip_row(ctx, state))
    if state == "group":
        return Reply(ctx.t("adduser.ask_group"), _group_buttons(ctx, conversation))
    if state == "role":
        return role_prompt(ctx, conversation)
    if state == "department":
        return department_prompt(ctx, conversation)
    if state == "confirm":
        return Reply(_summary(ctx, conversation), button_rows([
            Button(ctx.t("common.confirm"), flow_payload(FLOW, state, "yes")),
            Button(ctx.t("adduser.start_over"), flow_payload(FLOW, state, "no"))]))
    return Reply(ctx.t(f"adduser.ask_{state}"))


def _skip_row(ctx: Context, state: str):
    return button_rows([Button(ctx.t("common.skip"), flow_payload(FLOW, state, SKIP))])


def _group_buttons(ctx: Context, conversation: Conversation):
    township = conversation.data.get("township")
    query = select(Group).order_by(Group.name).limit(MAX_GROUP_BUTTONS)
    if township:
        query = query.where(Group.township == township)
    groups = ctx.session.exec(query).all() if township else []
    rows = [[Button(g.name, flow_payload(FLOW, "group", str(g.id)))] for g in groups]
    return button_rows(*rows, [Button(ctx.t("common.skip"), flow_payload(FLOW, "group", SKIP))])


def _summary(ctx: Context, conversation: Conversation) -> str:
    data = conversation.data
    group = ctx.session.get(Group, data["group_id"]) if data.get("group_id") else None
    return ctx.t("adduser.summary", name=data["name"], phone=data["phone"],
                 level=level_label(ctx.t, data.get("level")), township=data.get("township") or "—",
                 group=group.name if group else "—", role=role_label(ctx, data))


def _create(ctx: Context, conversation: Conversation) -> list[Reply]:
    data = conversation.data
    conversations.finish(ctx.session, ctx.person.id)
    if ctx.session.exec(select(Person.id).where(Person.phone == data["phone"])).first():
        return [Reply(ctx.t("adduser.phone_taken", phone=data["phone"]))]
    if not still_valid(ctx, data):
        return [Reply(ctx.t("adduser.choice_gone"))]
    person = Person(name=data["name"], phone=data["phone"], level=data.get("level"),
                    township=data.get("township"), created_at=ctx.now)
    ctx.session.add(person)
    ctx.session.flush()
    if data.get("group_id"):
        ctx.session.add(Membership(person_id=person.id, group_id=data["group_id"],
                                   is_leader=data["role"] == Role.SQUAD_LEADER))
    apply_role(ctx, person, data)
    invite = invites.issue(ctx.session, person.id, ctx.now, ctx.services.settings.invite_valid_days)
    ctx.audit("person_added", subject_type="person", subject_id=person.id, to_state=data["role"],
              note=audit_note(ctx, person.name, data))
    return [Reply(ctx.t("adduser.created", name=person.name, code=invite.code))]

