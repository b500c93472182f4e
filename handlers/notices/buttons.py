"""Notice buttons (`n:<code>:<notice id>[:<arg>]`): 收到, progress, re-ping, withdraw.

Every press is checked on the server: only a recipient acknowledges, only the author or staff
follow, re-ping or withdraw; each move is conditional at the database.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.numbers import parse_int
from bot.core.types import Button, Reply, button_rows
from handlers.notices import pushes, render
from handlers.notices.progress import may_manage, view
from storage import notices
from storage.notice_models import Notice, NoticeRecipient


async def on_button(ctx: Context) -> list[Reply]:
    """Parse the payload, load the notice and act (forged payloads are refused and audited)."""
    parts = (ctx.event.payload or "").split(":")
    code = parts[1] if len(parts) >= 3 else ""
    notice_id = parse_int(parts[2]) if len(parts) >= 3 else None
    notice = ctx.session.get(Notice, notice_id) if notice_id is not None else None
    handler = HANDLERS.get(code)
    if notice is None or handler is None:
        ctx.audit("forged_payload", note=(ctx.event.payload or "")[:200])
        return [Reply(ctx.t("common.button_unknown"))]
    if code != "ack" and not may_manage(ctx, notice):
        ctx.audit("denied", subject_type="notice", subject_id=notice.id, note=code)
        return [Reply(ctx.t("common.not_allowed"))]
    return await handler(ctx, notice, parts[3] if len(parts) > 3 else "")


async def _acknowledge(ctx: Context, notice: Notice, _arg: str) -> list[Reply]:
    """收到: counted once however often it is pressed; the button becomes 已收到 ✓."""
    if ctx.session.get(NoticeRecipient, (notice.id, ctx.person.id)) is None:
        ctx.audit("denied", subject_type="notice", subject_id=notice.id, note="ack")
        return [Reply(ctx.t("common.not_allowed"))]
    author = pushes.author_of(ctx.session, notice)
    if notice.withdrawn_at is not None:
        return [Reply(ctx.t("notices.withdrawn.push", number=notice.id, author=author),
                      edit=True)]
    notices.acknowledge(ctx.session, notice.id, ctx.person.id, ctx.now)
    files = len(notices.files_of(ctx.session, notice.id))
    return [render.acknowledged(ctx.t, notice, author, files)]


async def _view(ctx: Context, notice: Notice, _arg: str) -> list[Reply]:
    return view(ctx, notice.id)


async def _reping(ctx: Context, notice: Notice, arg: str) -> list[Reply]:
    """Remind those who got the notice and have not said 收到; re-ping n is sent once."""
    number = parse_int(arg, 1)
    if notice.withdrawn_at is not None:
        return [Reply(ctx.t("notices.already_withdrawn", number=notice.id))]
    if number is None or number != notice.repings + 1:
        return [Reply(ctx.t("notices.reping_stale", number=notice.id))]
    notices.sync_deliveries(ctx.session, [notice.id])
    where = notices.unacknowledged(notice.id)
    people = notices.recipients(ctx.session, notice.id, *where)
    if not people:
        return [Reply(ctx.t("notices.reping_nobody", number=notice.id))]
    if not notices.claim_reping(ctx.session, notice.id, number):
        return [Reply(ctx.t("notices.reping_stale", number=notice.id))]
    queued = pushes.queue_repings(ctx.session, ctx.services, notice, number, where, ctx.now,
                                  people)
    ctx.audit("notice.repinged", subject_type="notice", subject_id=notice.id,
              note=f"{number}: {queued}")
    return [Reply(ctx.t("notices.repinged", number=notice.id, count=len(people)))]


async def _ask_withdraw(ctx: Context, notice: Notice, _arg: str) -> list[Reply]:
    if notice.withdrawn_at is not None:
        return [Reply(ctx.t("notices.already_withdrawn", number=notice.id))]
    return [Reply(ctx.t("notices.withdraw_confirm", number=notice.id), button_rows(
        [Button(ctx.t("notices.withdraw_yes"), f"n:wdy:{notice.id}"),
         Button(ctx.t("notices.withdraw_no"), f"n:wdn:{notice.id}")]))]


async def _withdraw(ctx: Context, notice: Notice, _arg: str) -> list[Reply]:
    """Nobody gets it from now on; those who have it are told it is withdrawn."""
    if not notices.withdraw(ctx.session, notice.id, ctx.now):
        return [Reply(ctx.t("notices.already_withdrawn", number=notice.id), edit=True)]
    cancelled = notices.cancel_pending(ctx.session, notice.id)
    told = pushes.queue_withdrawals(ctx.session, ctx.services, notice)
    ctx.audit("notice.withdrawn", subject_type="notice", subject_id=notice.id,
              note=f"cancelled {cancelled}, told {told}")
    return [Reply(ctx.t("notices.withdrawn", number=notice.id, cancelled=cancelled,
                        told=told), edit=True)]


async def _keep(ctx: Context, notice: Notice, _arg: str) -> list[Reply]:
    return [Reply(ctx.t("notices.withdraw_kept", number=notice.id), edit=True)]


HANDLERS = {"ack": _acknowledge, "view": _view, "rp": _reping, "wd": _ask_withdraw,
            "wdy": _withdraw, "wdn": _keep}
