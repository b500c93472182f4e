"""Staff hand an accepted case to a department with a deadline in working days (交办)."""

from __future__ import annotations

from sqlmodel import select

from bot.core.context import Context
from bot.core.numbers import parse_days, parse_int
from bot.core.types import Button, Reply, button_rows
from bot.flows.case_actions import ASSIGN
from bot.flows.engine import StateMachine, button_value, flow_payload, typed_text
from handlers.cases import notify
from handlers.cases.deadlines import default_deadline
from handlers.cases.moves import can_move, move, refuse_unless_allowed
from handlers.cases.render import local
from handlers.drafts import start_flow
from storage import conversations
from storage.case_models import Case
from storage.models import Area, Conversation, Department

FLOW = ASSIGN.name
DAY_CHOICES = (5, 10, 20)
MAX_DAYS = 120


async def begin_assign(ctx: Context, case: Case, _arg: str) -> list[Reply]:
    """Open the assignment dialog (or reassignment, for a case a department already has)."""
    trigger = "assign" if case.status == "accepted" else "reassign"
    if refusal := refuse_unless_allowed(ctx, case, trigger):
        return refusal
    if not can_move(case, trigger):
        move(ctx, case, trigger)  # raises the clear refusal
    conversation = start_flow(ctx, FLOW, "department", {"case_id": case.id, "trigger": trigger})
    return [prompt(ctx, conversation)]


async def step(ctx: Context, conversation: Conversation, machine: StateMachine) -> list[Reply]:
    """Department → deadline → confirm."""
    data, value = conversation.data, _value(ctx)
    if conversation.state == "department":
        department_id = parse_int(value)
        department = ctx.session.get(Department, department_id) if department_id else None
        if department is None:
            return [Reply(ctx.t("assign.pick_department")), prompt(ctx, conversation)]
        data["department_id"] = department.id
        conversation.state = machine.move("department", "chose")
    elif conversation.state == "deadline":
        days = parse_days(value, 1, MAX_DAYS)
        if days is None:
            return [Reply(ctx.t("assign.days_invalid", max=MAX_DAYS)), prompt(ctx, conversation)]
        data["days"] = days
        conversation.state = machine.move("deadline", "dated")
    elif value == "yes":
        machine.move("confirm", "submit")
        conversations.finish(ctx.session, ctx.person.id)
        return _assign(ctx, data)
    else:
        conversation.state = machine.move("confirm", "restart")
    conversations.save(ctx.session, conversation, ctx.now)
    return [prompt(ctx, conversation)]


def _value(ctx: Context) -> str | None:
    return button_value(ctx.event) or typed_text(ctx.event)


def prompt(ctx: Context, conversation: Conversation) -> Reply:
    """The question of the current step."""
    state, data = conversation.state, conversation.data
    case = ctx.session.get(Case, data["case_id"])
    if state == "department":
        departments = ctx.session.exec(select(Department).order_by(Department.id)).all()
        rows = [[Button(d.name, flow_payload(FLOW, state, str(d.id)))] for d in departments]
        return Reply(ctx.t("assign.ask_department", number=case.number), button_rows(*rows))
    if state == "deadline":
        standard = ctx.session.get(Area, case.area_id).deadline_working_days
        choices = sorted({standard, *DAY_CHOICES})
        buttons = [Button(ctx.t("assign.days", days=d, date=local(ctx, default_deadline(ctx, d))),
                          flow_payload(FLOW, state, str(d))) for d in choices]
        return Reply(ctx.t("assign.ask_deadline", standard=standard), button_rows(
            *[buttons[i:i + 2] for i in range(0, len(buttons), 2)]))
    department = ctx.session.get(Department, data["department_id"])
    return Reply(ctx.t("assign.confirm", number=case.number, department=department.name,
                       days=data["days"], date=local(ctx, default_deadline(ctx, data["days"]))),
                 button_rows([Button(ctx.t("common.confirm"), flow_payload(FLOW, state, "yes")),
                              Button(ctx.t("assign.change"), flow_payload(FLOW, state, "no"))]))


def _assign(ctx: Context, data: dict) -> list[Reply]:
    case = ctx.session.get(Case, data["case_id"])
    if refusal := refuse_unless_allowed(ctx, case, data["trigger"]):
        return refusal
    department = ctx.session.get(Department, data["department_id"])
    previous = case.department_id
    move(ctx, case, data["trigger"], note=f"{department.name} +{data['days']}")
    stamp = ctx.now.strftime("%Y%m%d%H%M%S")
    if previous is not None and previous != department.id:
        notify.to_department(ctx, case, f"reassigned-away:{stamp}", "case.push.reassigned_away",
                             to=department.name)
    case.department_id, case.assigned_at = department.id, ctx.now
    case.deadline, case.acknowledged_at = default_deadline(ctx, data["days"]), None
    notify.to_department(ctx, case, f"assigned:{stamp}", "case.push.assigned", ("ack", "view"))
    notify.to_reporters(ctx, case, f"assigned:{stamp}", "case.push.assigned_reporter",
                        department=department.name, deadline=local(ctx, case.deadline))
    return [Reply(ctx.t("case.done.assigned", number=case.number, department=department.name,
                        date=local(ctx, case.deadline)))]
