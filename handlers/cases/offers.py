"""The moves a viewer may make on a case now, as rows of buttons (for /case and /inbox)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.context import Context
from bot.core.types import Button
from handlers.cases import access
from handlers.cases.notify import case_buttons
from storage import cases
from storage.case_models import Case, CaseStatus
from storage.models import Role

S = CaseStatus
TRIAGE, ASSIGN = ("acc", "rej", "mrg"), ("asg",)
WORKING = (S.ACKNOWLEDGED, S.IN_PROGRESS)
EXTENDABLE = (S.ASSIGNED, *WORKING)


def _is_staff(ctx: Context, _case: Case) -> bool:
    return ctx.has_any(Role.STAFF)


def _pending_extension(ctx: Context, case: Case) -> str | None:
    """The id of the extension request waiting for staff's decision, as a button argument."""
    request = cases.pending_extension(ctx.session, case.id)
    return str(request.id) if request is not None else None


def may_nudge(ctx: Context, case: Case) -> bool:
    """Staff, or a leader of the case's group, once the reporters had their days to verify."""
    return case.rectified_at is not None and access.verify_fallback_open(ctx, case) and (
        ctx.has_any(Role.STAFF) or access.leads_group(ctx, case.group_id))


@dataclass(frozen=True)
class Offer:
    """In these statuses, to whom `allowed` says yes, these buttons (with `arg`'s argument;
    no buttons when `arg` gives None).
    """

    statuses: tuple[str, ...]
    allowed: Callable[[Context, Case], bool]
    codes: tuple[str, ...]
    arg: Callable[[Context, Case], str | None] | None = None


OFFERS = (
    Offer((S.SUBMITTED,), access.can_triage, TRIAGE),
    Offer((S.ACCEPTED,), _is_staff, ASSIGN),
    Offer((S.ACCEPTED,), access.can_triage, ("mrg",)),
    Offer((S.ASSIGNED,), access.is_case_liaison, ("ack",)),
    Offer(WORKING, access.is_case_liaison, ("upd", "fix", "ext")),
    Offer(EXTENDABLE, _is_staff, ("xok", "xno"), _pending_extension),
    Offer((*EXTENDABLE, S.RECTIFIED), _is_staff, ("rsg",)),
    Offer((S.RECTIFIED,), access.can_verify, ("vs", "vb", "vd")),
    Offer((S.RECTIFIED,), may_nudge, ("rmd",)),
)


def offer_rows(ctx: Context, case: Case, only: tuple[str, ...] = ()) -> list[tuple[Button, ...]]:
    """One row per move the viewer may make now (only the given codes, when given)."""
    rows = []
    for offer in OFFERS:
        codes = tuple(c for c in offer.codes if not only or c in only)
        if not codes or case.status not in offer.statuses or not offer.allowed(ctx, case):
            continue
        arg = offer.arg(ctx, case) if offer.arg else ""
        if arg is not None:
            rows.extend(case_buttons(ctx.t, case, *codes, arg=arg))
    return rows
