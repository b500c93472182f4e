"""The preview of a report draft before it is submitted."""

from __future__ import annotations

from bot.core.context import Context
from handlers.labels import area_label
from storage.models import Area


def preview_text(ctx: Context, data: dict) -> str:
    """Every field of the draft, for the reporter to check."""
    area = ctx.session.get(Area, data["area_id"]) if data.get("area_id") else None
    place = data.get("address") or (
        f"{data['latitude']:.5f}, {data['longitude']:.5f}" if data.get("latitude") is not None
        else "—")
    voice = "\n" + ctx.t("report.preview_voice") if data.get("voice") else ""
    return ctx.t("report.preview", area=area_label(ctx.t, area),
                 description=data.get("description", ""), photos=len(data.get("photos", [])),
                 place=place, township=data.get("township") or "—") + voice
