"""Sending a finished notice draft: re-check the audience, store the notice, queue its pushes."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.types import Button, Reply, button_rows
from handlers.notices import audience, pushes
from storage import notices
from storage.models import Conversation
from storage.notice_models import AudienceKind


def audience_count(ctx: Context, chosen: dict) -> int:
    """How many people the audience reaches now, the sender excluded."""
    return notices.count_audience(ctx.session, chosen, ctx.person.id)


def _chosen_again(ctx: Context, conversation: Conversation):
    """A leader no longer leads a chosen group: drop it (audited) and ask again."""
    chosen = conversation.data["audience"]
    dropped = [gid for gid in chosen["values"] if not audience.may_use_group(ctx, gid)]
    ctx.audit("denied", subject_type="notice", note=f"groups {dropped} at sending")
    chosen["values"] = [gid for gid in chosen["values"] if gid not in dropped]
    return "edit_groups", [Reply(ctx.t("notices.audience_changed"))]


def send(ctx: Context, conversation: Conversation):
    """(trigger, replies): the notice stored and queued to everyone it reaches, once each."""
    data = conversation.data
    chosen = data["audience"]
    if not audience.still_allowed(ctx, chosen):
        if AudienceKind(chosen["kind"]) is AudienceKind.GROUPS:
            return _chosen_again(ctx, conversation)
        ctx.audit("denied", subject_type="notice", note=f"audience {chosen['kind']}")
        return None, [Reply(ctx.t("common.not_allowed"))]
    if not audience_count(ctx, chosen):  # everyone left the audience since the preview
        return None, [Reply(ctx.t("notices.nobody"))]
    urgent = bool(data.get("urgent")) and audience.is_staff(ctx)
    notice = notices.create(ctx.session, ctx.person.id, data["text"], chosen, urgent, ctx.now,
                            data["files"])
    count = notices.add_recipients(ctx.session, notice)
    pushes.queue_notice(ctx.session, ctx.services, notice)
    ctx.audit("notice.sent", subject_type="notice", subject_id=notice.id,
              note=f"{count} {'urgent' if urgent else ''}".strip())
    return "send", [Reply(ctx.t("notices.sent", number=notice.id, count=count), button_rows(
        [Button(ctx.t("notices.view_button"), f"n:view:{notice.id}")]))]
