"""The role step of `/adduser`: the roles and departments offered, the choice checked, granted."""

from __future__ import annotations

from sqlmodel import select

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from bot.flows.adduser import ADD_PERSON
from bot.flows.engine import button_value, flow_payload
from storage.models import ASSIGNABLE_ROLES, Conversation, Department, Group, Liaison, Person, Role
from storage.people import grant

FLOW = ADD_PERSON.name
MAX_DEPARTMENT_BUTTONS = 30
BUTTONS_PER_ROW = 2
LEVEL_STEPS, NO_LEVEL_STEPS = 6, 4  # the role's step number after a level, or after none


def offered_roles(ctx: Context, data: dict) -> list[Role]:
    """The roles this draft may be given: 代表 and 组长 need a level (as in the roster's rules),
    组长 a chosen group, 联络员 at least one department. 代表 comes first: the default.
    """
    roles = [Role.DELEGATE] if data.get("level") else []
    if data.get("level") and data.get("group_id"):
        roles.append(Role.SQUAD_LEADER)
    roles += [Role.STAFF, Role.LEADERSHIP]
    if offered_departments(ctx, limit=1):
        roles.append(Role.LIAISON)
    return roles


def offered_departments(ctx: Context, limit: int = MAX_DEPARTMENT_BUTTONS) -> list[Department]:
    """The departments offered as buttons, by name."""
    return list(ctx.session.exec(select(Department).order_by(Department.name).limit(limit)).all())


def _rows(buttons: list[Button]) -> tuple[tuple[Button, ...], ...]:
    return button_rows(*(buttons[i:i + BUTTONS_PER_ROW]
                         for i in range(0, len(buttons), BUTTONS_PER_ROW)))


def _step_number(data: dict) -> int:
    return LEVEL_STEPS if data.get("level") else NO_LEVEL_STEPS


def role_prompt(ctx: Context, conversation: Conversation) -> Reply:
    """Ask for the role, one button per role offered."""
    data = conversation.data
    buttons = [Button(_role_button_label(ctx, role, data), flow_payload(FLOW, "role", role.value))
               for role in offered_roles(ctx, data)]
    return Reply(ctx.t("adduser.ask_role", step=_step_number(data)), _rows(buttons))


def _role_button_label(ctx: Context, role: Role, data: dict) -> str:
    if role is Role.SQUAD_LEADER:
        return role_label(ctx, {"role": role.value, "group_id": data.get("group_id")})
    return ctx.t(f"role.{role.value}")


def department_prompt(ctx: Context, conversation: Conversation) -> Reply:
    """Ask which department the liaison serves: buttons, or the name typed."""
    buttons = [Button(d.name, flow_payload(FLOW, "department", str(d.id)))
               for d in offered_departments(ctx)]
    step = _step_number(conversation.data) + 1
    return Reply(ctx.t("adduser.ask_department", step=step), _rows(buttons))


def _refuse_forged(ctx: Context) -> tuple[None, str]:
    ctx.audit("forged_payload", note=(ctx.event.payload or "")[:200])
    return None, ctx.t("adduser.not_offered")


def take_role(ctx: Context, conversation: Conversation, _answer: str):
    """A role pressed: one of those offered, or refused. A liaison goes on to the department."""
    value = button_value(ctx.event)
    if value is None:
        return None, ctx.t("adduser.pick_button")
    if value not in {role.value for role in offered_roles(ctx, conversation.data)}:
        return _refuse_forged(ctx)
    conversation.data["role"] = value
    conversation.data.pop("department_id", None)
    return ("chose_liaison" if value == Role.LIAISON else "chose_role"), None


def take_department(ctx: Context, conversation: Conversation, answer: str):
    """A department pressed (one of those offered) or typed (its full name)."""
    value = button_value(ctx.event)
    if value is not None:
        offered = {d.id: d for d in offered_departments(ctx)}
        department = offered.get(parse_int(value))
        if department is None:
            return _refuse_forged(ctx)
    else:
        department = _department_named(ctx, answer)
        if department is None:
            return None, ctx.t("adduser.department_unknown", name=answer[:50])
    conversation.data["department_id"] = department.id
    return "chose_department", None


def _department_named(ctx: Context, text: str) -> Department | None:
    return ctx.session.exec(select(Department).where(Department.name == text)).first()


def role_label(ctx: Context, data: dict) -> str:
    """The draft's role in words, with the department a liaison serves or the group a 组长 leads."""
    if not data.get("role"):
        return "—"  # a draft begun before roles were asked for
    role = Role(data["role"])
    label = ctx.t(f"role.{role.value}")
    if role is Role.LIAISON:
        department = ctx.session.get(Department, data["department_id"])
        return ctx.t("adduser.role_of", role=label, of=department.name)
    if role is Role.SQUAD_LEADER:
        group = ctx.session.get(Group, data["group_id"])
        return ctx.t("adduser.role_of", role=label, of=group.name)
    return label


def still_valid(ctx: Context, data: dict) -> bool:
    """True when the chosen role is still one to offer and its group and department still exist."""
    if data.get("group_id") and ctx.session.get(Group, data["group_id"]) is None:
        return False
    if data.get("department_id") and ctx.session.get(Department, data["department_id"]) is None:
        return False
    return data.get("role") in {role.value for role in offered_roles(ctx, data)}


def apply_role(ctx: Context, person: Person, data: dict) -> None:
    """Grant the chosen role: staff and leadership explicitly, a liaison their department.

    代表 follows from the level and 组长 from the membership, which the caller writes.
    """
    role = Role(data["role"])
    if role in ASSIGNABLE_ROLES:
        grant(ctx.session, person.id, role)
    elif role is Role.LIAISON:
        ctx.session.add(Liaison(person_id=person.id, department_id=data["department_id"]))


def audit_note(ctx: Context, name: str, data: dict) -> str:
    """The audit note of an addition: the name, and a liaison's department or a 组长's group."""
    if data.get("department_id"):
        return f"{name}; department: {ctx.session.get(Department, data['department_id']).name}"
    if data["role"] == Role.SQUAD_LEADER:
        return f"{name}; group: {ctx.session.get(Group, data['group_id']).name}"
    return name
