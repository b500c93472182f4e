"""Extensions (延期): a liaison asks for more working days, staff decide; capped per case."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.core.context import Context
from bot.core.numbers import parse_days, parse_int
from bot.core.types import Button, EventKind, Reply, button_rows
from bot.flows.case_actions import EXTEND
from bot.flows.engine import StateMachine, button_value, flow_payload
from handlers.cases import notify
from handlers.cases.action_flows import MIN_REASON
from handlers.cases.deadlines import deadline_after
from handlers.cases.moves import refuse_unless_allowed
from handlers.drafts import start_flow
from storage import conversations
from storage.case_models import Case, Extension
from storage.models import Conversation

EXTENSION_DAYS = (3, 5, 10, 15)
EXTENDABLE = ("assigned", "acknowledged", "in_progress")
OUTCOMES = {True: "approved", False: "refused"}  # catalog: extension.<o>, case.push.extension_<o>


@dataclass(frozen=True)
class Budget:
    """What a case has used of its extensions: requests approved or pending, and their days."""

    requests: int
    days: int
    max_requests: int
    max_days: int

    @property
    def days_left(self) -> int:
        """Working days a new request may still ask for (0: none)."""
        if self.requests >= self.max_requests:
            return 0
        return max(self.max_days - self.days, 0)


def budget(ctx: Context, case: Case) -> Budget:
    """The case's extension budget; refused requests do not count."""
    rows = ctx.session.exec(select(Extension.working_days).where(
        Extension.case_id == case.id, Extension.approved.is_not(False))).all()
    settings = ctx.services.settings
    return Budget(len(rows), sum(rows), settings.extension_max_requests,
                  settings.extension_max_working_days)


def _refusal(ctx: Context, case: Case) -> list[Reply] | None:
    """Why a liaison may not ask for an extension of this case now, or None."""
    if refusal := refuse_unless_allowed(ctx, case, "extend"):
        return refusal
    if case.status not in EXTENDABLE:
        return [Reply(ctx.t("extension.not_now", number=case.number))]
    if _pending(ctx, case) is not None:
        return [Reply(ctx.t("extension.pending", number=case.number))]
    limits = budget(ctx, case)
    if limits.days_left == 0:
        return [Reply(ctx.t("extension.cap_reached", number=case.number,
                            requests=limits.max_requests, days=limits.max_days))]
    return None


def _pending(ctx: Context, case: Case) -> Extension | None:
    return ctx.session.exec(select(Extension).where(
        Extension.case_id == case.id, Extension.approved.is_(None))).first()


async def begin_extension(ctx: Context, case: Case, _arg: str) -> list[Reply]:
    """A liaison asks for more working days: how many, then why."""
    if refusal := _refusal(ctx, case):
        return refusal
    left = budget(ctx, case).days_left
    start_flow(ctx, EXTEND.name, "days", {"case_id": case.id})
    buttons = [Button(ctx.t("extension.days", days=d), flow_payload(EXTEND.name, "days", str(d)))
               for d in EXTENSION_DAYS if d <= left]
    return [Reply(ctx.t("extension.ask_days", number=case.number, max=left),
                  button_rows(buttons))]


async def extension_step(ctx: Context, conversation: Conversation, machine: StateMachine):
    """Take the number of days, then the reason; then ask staff to decide."""
    data = conversation.data
    case = ctx.session.get(Case, data["case_id"])
    if conversation.state == "days":
        left = budget(ctx, case).days_left
        value = button_value(ctx.event) or (
            ctx.event.text if ctx.event.kind is EventKind.TEXT else "")
        days = parse_days(value, 1, left)
        if days is None:
            return [Reply(ctx.t("extension.days_invalid", max=left))]
        data["days"] = days
        conversation.state = machine.move("days", "chose")
        conversations.save(ctx.session, conversation, ctx.now)
        return [Reply(ctx.t("extension.ask_reason"))]
    reason = ctx.event.text.strip() if ctx.event.kind is EventKind.TEXT else ""
    if not reason:
        return [Reply(ctx.t("common.text_expected"))]
    if len(reason) < MIN_REASON:  # as for declining a report or sending a fix back
        return [Reply(ctx.t("casenote.reason_too_short", min=MIN_REASON))]
    machine.move("reason", "finish")
    conversations.finish(ctx.session, ctx.person.id)
    return _request_extension(ctx, case, data["days"], reason)


def _request_extension(ctx: Context, case: Case, days: int, reason: str) -> list[Reply]:
    """Save the request, checked again now: the dialog may have been open a while."""
    if refusal := _refusal(ctx, case):
        return refusal
    if days > budget(ctx, case).days_left:
        return [Reply(ctx.t("extension.days_invalid", max=budget(ctx, case).days_left))]
    request = Extension(case_id=case.id, requested_by_id=ctx.person.id, working_days=days,
                        reason=reason[:500], requested_at=ctx.now)
    try:
        with ctx.session.begin_nested():  # one pending request per case, kept by the database
            ctx.session.add(request)
            ctx.session.flush()
    except IntegrityError:
        return [Reply(ctx.t("extension.pending", number=case.number))]
    ctx.audit("case.extension_requested", subject_type="case", subject_id=case.id,
              note=f"+{days}: {reason}"[:2000])
    notify.to_staff(ctx, case, f"extension:{request.id}", "case.push.extension_requested",
                    ("xok", "xno"), arg=str(request.id), days=days, reason=reason)
    return [Reply(ctx.t("extension.requested", number=case.number, days=days))]


def decide_extension(ctx: Context, case: Case, arg: str, approve: bool) -> list[Reply]:
    """Staff approve (deadline moves by N working days) or refuse; both logged and told."""
    request_id = parse_int(arg)
    request = ctx.session.get(Extension, request_id) if request_id is not None else None
    if request is None or request.case_id != case.id:
        ctx.audit("forged_payload", note=(ctx.event.payload or "")[:200])
        return [Reply(ctx.t("common.button_unknown"))]
    if request.approved is not None:
        return [Reply(ctx.t("extension.already_decided", number=case.number))]
    if case.status not in EXTENDABLE:
        return [Reply(ctx.t("extension.not_now", number=case.number))]
    request.approved, request.decided_by_id, request.decided_at = approve, ctx.person.id, ctx.now
    if approve and case.deadline is not None:
        case.deadline = deadline_after(ctx, case.deadline, request.working_days)
        case.updated_at = ctx.now
        ctx.session.add(case)
    outcome = OUTCOMES[approve]
    ctx.audit(f"case.extension_{outcome}", subject_type="case", subject_id=case.id,
              note=f"+{request.working_days}")
    notify.to_department(ctx, case, f"extension:{request.id}:{outcome}",
                         f"case.push.extension_{outcome}", days=request.working_days)
    return [Reply(ctx.t(f"extension.{outcome}", number=case.number))]
