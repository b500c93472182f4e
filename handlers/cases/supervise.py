"""`/supervise` (leadership and staff): the figures a leader asks first, then the overdue cases
by department, 重点督办 first, oldest first.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.core.context import Context
from bot.core.types import Reply
from handlers.cases.views import view_rows
from storage import case_stats

SHOWN = 30
BUTTONS = 12


def week_start(ctx: Context) -> datetime:
    """Monday 00:00 of this local week, in UTC."""
    zone = ctx.services.settings.tz
    today = ctx.services.clock.now().astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


async def supervise(ctx: Context) -> list[Reply]:
    """The supervision overview."""
    now, session = ctx.now, ctx.session
    head = ctx.t("supervise.figures", open=case_stats.count_open(session),
                 overdue=case_stats.count_overdue(session, now),
                 supervised=case_stats.count_overdue(session, now, key_supervision=True),
                 closed=case_stats.count_closed_since(session, week_start(ctx)))
    late = case_stats.oldest_overdue(session, now, SHOWN + 1, by_department=True)
    if not late:
        return [Reply(head + "\n" + ctx.t("supervise.none_overdue"))]
    lines, department = [head], None
    zone = ctx.services.settings.tz
    today = ctx.services.clock.now().astimezone(zone).date()
    for case in late[:SHOWN]:
        if case.department != department:
            department = case.department
            lines.append(ctx.t("supervise.department", department=department))
        level = ctx.t("case.key_supervision") if case.key_supervision else ctx.t(
            "supervise.overdue_level")
        days = (today - case.deadline.astimezone(zone).date()).days
        lines.append(ctx.t("supervise.line", number=case.number, days=days, level=level))
    if len(late) > SHOWN:
        lines.append(ctx.t("views.list_more", shown=SHOWN))
    return [Reply("\n".join(lines), buttons=view_rows(late[:BUTTONS]))]
