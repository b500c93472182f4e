"""Case moves: check the permission, move the lifecycle machine, append to the audit log."""

from __future__ import annotations

from functools import cache

from bot.core.context import Context
from bot.core.dispatcher import Refusal
from bot.core.types import Reply
from bot.flows.case_lifecycle import case_machine
from bot.flows.engine import IllegalMove, StateMachine
from handlers.cases import access
from handlers.cases.render import status_label
from storage.case_models import Case


@cache
def lifecycle() -> StateMachine:
    """The shared case machine, built on first use."""
    return case_machine()


def refuse_unless_allowed(ctx: Context, case: Case, action: str) -> list[Reply] | None:
    """None when the actor may act; else the refusal (the attempt is audited)."""
    if access.may(ctx, case, action):
        return None
    ctx.audit("denied", subject_type="case", subject_id=case.id, note=action)
    return [Reply(ctx.t("common.not_allowed"))]


def move(ctx: Context, case: Case, trigger: str, note: str = "") -> None:
    """Fire `trigger` on the case or refuse with a clear message; audit the move."""
    before = case.status
    try:
        case.status = lifecycle().move(before, trigger)
    except IllegalMove:
        raise Refusal("case.illegal_move", number=case.number,
                      status=status_label(ctx.t, before)) from None
    case.updated_at = ctx.now
    ctx.session.add(case)
    ctx.audit(f"case.{trigger}", subject_type="case", subject_id=case.id,
              from_state=before, to_state=case.status, note=note)


def can_move(case: Case, trigger: str) -> bool:
    """True when `trigger` is legal from the case's status."""
    return lifecycle().can(case.status, trigger)
