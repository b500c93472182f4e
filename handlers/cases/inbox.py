"""`/inbox`: one work queue. A squad leader: reports of their groups to triage, fixes their
groups have not verified. Staff: every report to triage, accepted cases to assign, extension
requests to decide, fixes left unverified beyond the reporters' days; each with its buttons.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.context import Context
from bot.core.types import Reply, button_rows
from handlers.cases import access
from handlers.cases.deadlines import working_days_ago
from handlers.cases.offers import ASSIGN, TRIAGE, offer_rows
from handlers.cases.render import short
from handlers.cases.views import LIST_LIMIT, listing, view_button
from storage import cases
from storage.case_models import Case, Extension
from storage.models import Role


def _section(ctx: Context, title: str, found: Sequence[Case], codes: tuple[str, ...],
             lines: Sequence[str] | None = None) -> Reply:
    """A list of cases with, per case, a row: the number (opens it) and the move buttons."""
    shown = found[:LIST_LIMIT]
    rows = [(view_button(case), *(b for row in offer_rows(ctx, case, codes) for b in row))
            for case in shown]
    text = "\n".join(lines) if lines is not None else "\n".join(
        listing(ctx, title, found, LIST_LIMIT))
    return Reply(text, buttons=button_rows(*rows))


def _extensions(ctx: Context) -> Reply | None:
    waiting: list[tuple[Extension, Case]] = cases.pending_extensions(ctx.session,
                                                                     LIST_LIMIT + 1)
    if not waiting:
        return None
    lines = [ctx.t("views.inbox.extensions")] + [
        ctx.t("views.inbox.extension_line", number=case.number, days=request.working_days,
              reason=short(request.reason, 80)) for request, case in waiting[:LIST_LIMIT]]
    if len(waiting) > LIST_LIMIT:
        lines.append(ctx.t("views.list_more", shown=LIST_LIMIT))
    return _section(ctx, "", [case for _, case in waiting], ("xok", "xno"), lines)


def _unverified(ctx: Context, group_ids: list[int] | None) -> Reply | None:
    wait = ctx.services.settings.escalation_verify_fallback_after
    found = cases.awaiting_verification(ctx.session, group_ids, working_days_ago(ctx, wait),
                                        LIST_LIMIT + 1)
    if not found:
        return None
    return _section(ctx, ctx.t("views.inbox.unverified", days=wait), found, ("rmd",))


async def inbox(ctx: Context) -> list[Reply]:
    """The work queue of a squad leader or of staff."""
    staff = ctx.has_any(Role.STAFF)
    group_ids = None if staff else access.led_group_ids(ctx)
    triage = cases.awaiting_triage(ctx.session, group_ids, limit=LIST_LIMIT + 1)
    waiting = cases.awaiting_assignment(ctx.session, limit=LIST_LIMIT + 1) if staff else []
    replies = [
        _section(ctx, ctx.t("views.inbox.triage"), triage, TRIAGE) if triage else None,
        _section(ctx, ctx.t("views.inbox.assign"), waiting, ASSIGN) if waiting else None,
        _extensions(ctx) if staff else None,
        _unverified(ctx, group_ids),
    ]
    return [reply for reply in replies if reply] or [Reply(ctx.t("views.inbox.empty"))]
