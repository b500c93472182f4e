"""Survey buttons (`sv:<code>:<survey id>[:<arg>]`): the voter's and the office's, checked here."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Reply
from handlers.surveys import ballot, staff
from storage.survey_models import Survey


async def on_button(ctx: Context) -> list[Reply]:
    """Parse, load the survey, hand over (a forged payload is refused and audited)."""
    parts = (ctx.event.payload or "").split(":")
    survey_id = parse_int(parts[2]) if len(parts) >= 3 else None
    survey = ctx.session.get(Survey, survey_id) if survey_id is not None else None
    code = parts[1] if len(parts) >= 3 else ""
    if survey is None or (code not in ballot.HANDLERS and code not in staff.OFFICE):
        ctx.audit("forged_payload", note=(ctx.event.payload or "")[:200])
        return [Reply(ctx.t("common.button_unknown"))]
    arg = parts[3] if len(parts) > 3 else ""
    if code in ballot.HANDLERS:
        return await ballot.HANDLERS[code](ctx, survey, arg)
    return await staff.on_office_button(ctx, survey, code, arg)
