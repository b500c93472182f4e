"""The briefing for each reader: one message however many squads they are in, with charts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.charts import ChartOrText
from bot.core.context import Services
from bot.core.types import Reply
from handlers.briefing.charts import Drawn, draw
from handlers.briefing.render import render
from handlers.briefing.state import BriefingState
from storage.briefing_readers import Reader


def charts_folder(services: Services) -> Path:
    """Where drawn charts are kept (named by their SHA-256) until sent."""
    return services.settings.data_dir / "briefings"


def reply_for(services: Services, state: BriefingState, drawn: Drawn, locale: str | None, *,
              county: bool, squads: Sequence[int] = ()) -> Reply:
    """The message: text (with the text-only charts, if drawing failed) and the chart photos."""
    t = services.catalogs.translator(locale)
    text = render(t, state, county=county, squads=squads)
    if drawn.text:
        text += "\n\n" + drawn.text
    return Reply(text, attachments=drawn.attachments)


def replies(services: Services, state: BriefingState, readers: Sequence[Reader],
            drawer: ChartOrText) -> list[tuple[int, Reply]]:
    """(person id, message) for every reader; charts drawn once per language, texts rendered
    once per language and set of sections.
    """
    drawn: dict[str, Drawn] = {}
    made: dict[tuple, Reply] = {}
    result = []
    for reader in readers:
        t = services.catalogs.translator(reader.person.locale)
        if t.locale not in drawn:
            drawn[t.locale] = draw(t, state, charts_folder(services), drawer)
        which = (t.locale, reader.county, reader.squads)
        if which not in made:
            made[which] = reply_for(services, state, drawn[t.locale], t.locale,
                                    county=reader.county, squads=reader.squads)
        result.append((reader.person.id, made[which]))
    return result
