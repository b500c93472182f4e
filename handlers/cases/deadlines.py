"""Deadlines in working days (Chinese official holidays), ending at the close of a local day."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.core.context import Context
from schedules.workdays import default_calendar


def deadline_after(ctx: Context, start: datetime, working_days: int) -> datetime:
    """The end of the local day `working_days` working days after `start`, in UTC."""
    zone = ctx.services.settings.tz
    local_end = default_calendar().deadline_from(start.astimezone(zone), working_days)
    return local_end.astimezone(UTC)


def working_days_ago(ctx: Context, n: int) -> datetime:
    """The start (UTC) of the local day `n` working days before today."""
    zone = ctx.services.settings.tz
    day = default_calendar().span_start(ctx.services.clock.now().astimezone(zone).date(), n)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def default_deadline(ctx: Context, working_days: int) -> datetime:
    """A deadline counted from now."""
    return deadline_after(ctx, ctx.services.clock.now(), working_days)
