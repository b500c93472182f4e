"""`/briefing` (staff and leadership): the current briefing at once, as a reply: the county's,
or one squad's with `/briefing <squad name or id>`.
"""

from __future__ import annotations

import asyncio

from bot.charts import chart_or_text
from bot.core.context import Context
from bot.core.types import Reply
from handlers.briefing.charts import draw
from handlers.briefing.pushes import charts_folder, reply_for
from handlers.briefing.state import BriefingState, build
from storage.briefing_figures import SquadFigures


def find_squad(state: BriefingState, query: str) -> SquadFigures | None:
    """The squad whose id or name is `query`, or the only one whose name contains it."""
    squads = state.figures.squads
    exact = [s for s in squads if str(s.id) == query or s.name == query]
    if exact:
        return exact[0]
    partial = [s for s in squads if query in s.name]
    return partial[0] if len(partial) == 1 else None


async def briefing(ctx: Context) -> list[Reply]:
    """Figures as of now; charts drawn after the event's transaction, off the event loop."""
    services, t, locale = ctx.services, ctx.t, ctx.t.locale
    state = build(ctx.session, services.settings, ctx.now, include_today=True)
    query = ctx.event.args.strip()
    squad = find_squad(state, query) if query else None
    if query and squad is None:
        names = t("common.list_sep").join(s.name for s in state.figures.squads)
        return [Reply(t("briefing.unknown_squad", query=query, names=names))]

    async def answer() -> list[Reply]:
        drawn = await asyncio.to_thread(draw, t, state, charts_folder(services), chart_or_text())
        return [reply_for(services, state, drawn, locale, county=squad is None,
                          squads=(squad.id,) if squad else ())]

    ctx.after_commit(answer)
    return []
