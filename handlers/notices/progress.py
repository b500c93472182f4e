"""`/notices` and `/notice <id>`: what became of a notice, per group, and who has not said 收到."""

from __future__ import annotations

from sqlmodel import select

from bot.core.context import Context
from bot.core.numbers import FULL_WIDTH, parse_int
from bot.core.types import Button, Reply, button_rows
from handlers.cases.render import local, short
from handlers.notices import audience
from storage import notice_progress
from storage.models import Group, OutboxStatus, Person
from storage.notice_models import AudienceKind, Notice
from storage.notice_progress import Tally, Waiting

LIST_LIMIT, BUCKETS, NAMES, PER_ROW = 10, 20, 10, 3
STAMP = "%m-%d %H:%M"


def may_manage(ctx: Context, notice: Notice) -> bool:
    """The author and staff follow, re-ping and withdraw a notice."""
    return notice.author_id == ctx.person.id or audience.is_staff(ctx)


async def list_notices(ctx: Context) -> list[Reply]:
    """`/notices`: my notices (staff: everyone's), newest first, with how many said 收到."""
    found = notice_progress.listed(ctx.session, None if audience.is_staff(ctx)
                                   else ctx.person.id, LIST_LIMIT)
    if not found:
        return [Reply(ctx.t("notices.list.empty"))]
    counts = notice_progress.acknowledged_counts(ctx.session, [n.id for n in found])
    title = "notices.list.all" if audience.is_staff(ctx) else "notices.list.mine"
    lines = [ctx.t(title, count=len(found))]
    for notice in found:
        done, total = counts.get(notice.id, (0, 0))
        lines.append(ctx.t("notices.list.line", number=notice.id,
                           sent=local(ctx, notice.created_at, STAMP),
                           audience=audience.describe(ctx.t, ctx.session, notice.audience),
                           acknowledged=done, total=total, marks=_marks(ctx, notice),
                           text=short(notice.text, 40)))
    buttons = [Button(f"#{n.id}", f"n:view:{n.id}") for n in found]
    return [Reply("\n".join(lines), button_rows(
        *(buttons[i:i + PER_ROW] for i in range(0, len(buttons), PER_ROW))))]


def _marks(ctx: Context, notice: Notice) -> str:
    marks = [ctx.t("notices.mark.urgent")] if notice.urgent else []
    if notice.withdrawn_at:
        marks.append(ctx.t("notices.mark.withdrawn"))
    return "".join(f" · {mark}" for mark in marks)


async def notice_detail(ctx: Context) -> list[Reply]:
    """`/notice 12` (or `#12`): the progress of one notice."""
    typed = ctx.event.args.translate(FULL_WIDTH).strip().lstrip("#＃")
    if not typed:
        return [Reply(ctx.t("notices.usage"))]
    notice_id = parse_int(typed, 1)
    return view(ctx, notice_id, typed[:20])


def view(ctx: Context, notice_id: int | None, typed: str = "") -> list[Reply]:
    """The progress view for someone who may follow the notice; a refusal for anyone else."""
    notice = ctx.session.get(Notice, notice_id) if notice_id is not None else None
    if notice is None:
        return [Reply(ctx.t("notices.not_found", number=typed or notice_id))]
    if not may_manage(ctx, notice):
        ctx.audit("denied", subject_type="notice", subject_id=notice.id, note="view")
        return [Reply(ctx.t("common.not_allowed"))]
    by_township = notice.audience["kind"] != AudienceKind.GROUPS
    tallies = notice_progress.tallies(ctx.session, notice.id, by_township)
    waiting = notice_progress.waiting(ctx.session, notice.id, by_township, NAMES)
    total = Tally()
    for tally in tallies.values():
        total.add(tally)
    lines = [_head(ctx, notice, total), *_buckets(ctx, tallies, waiting, by_township)]
    return [Reply("\n".join(lines), _actions(ctx, notice))]


def _head(ctx: Context, notice: Notice, total: Tally) -> str:
    author = ctx.session.get(Person, notice.author_id)
    head = ctx.t("notices.view.head", number=notice.id, author=author.name if author else "—",
                 sent=local(ctx, notice.created_at, STAMP), marks=_marks(ctx, notice),
                 audience=audience.describe(ctx.t, ctx.session, notice.audience),
                 text=short(notice.text, 80))
    figures = ctx.t("notices.view.figures", delivered=total.delivered, total=total.total,
                    acknowledged=total.acknowledged, failed=total.failed)
    lines = [head, figures]
    if total.cancelled:
        lines.append(ctx.t("notices.view.cancelled", count=total.cancelled))
    if notice.withdrawn_at:
        lines.append(ctx.t("notices.view.withdrawn", at=local(ctx, notice.withdrawn_at, STAMP)))
    return "\n".join(lines)


def _buckets(ctx: Context, tallies: dict, waiting: list[Waiting], by_township: bool):
    """One line per group (or township), then the names of those who have not said 收到."""
    names = _bucket_names(ctx, list(tallies), by_township)
    ordered = sorted(tallies, key=lambda key: names[key])
    lines = [ctx.t("notices.view.by_township" if by_township else "notices.view.by_group")]
    for key in ordered[:BUCKETS]:
        tally = tallies[key]
        lines.append(ctx.t("notices.view.bucket", name=names[key], total=tally.total,
                           acknowledged=tally.acknowledged, delivered=tally.delivered))
        late = [w for w in waiting if w.bucket == key]
        if late:
            lines.append(_waiting_line(ctx, late, tally.total - tally.acknowledged))
    if len(ordered) > BUCKETS:
        lines.append(ctx.t("notices.view.more_buckets", count=len(ordered) - BUCKETS))
    return lines


def _waiting_line(ctx: Context, late: list[Waiting], count: int) -> str:
    shown = ctx.t("common.list_sep").join(
        ctx.t("notices.view.undelivered", name=w.name) if w.status == OutboxStatus.FAILED
        else w.name for w in late)
    key = "notices.view.waiting_more" if count > len(late) else "notices.view.waiting"
    return ctx.t(key, names=shown, count=count)


def _bucket_names(ctx: Context, keys: list, by_township: bool) -> dict:
    if by_township:
        return {key: key or "—" for key in keys}
    groups = dict(ctx.session.exec(select(Group.id, Group.name).where(
        Group.id.in_([key for key in keys if key is not None]))).all())
    return {key: groups.get(key, ctx.t("notices.view.no_group")) for key in keys}


def _actions(ctx: Context, notice: Notice) -> tuple:
    refresh = Button(ctx.t("notices.refresh"), f"n:view:{notice.id}")
    if notice.withdrawn_at:
        return button_rows([refresh])
    return button_rows(
        [Button(ctx.t("notices.reping"), f"n:rp:{notice.id}:{notice.repings + 1}"), refresh],
        [Button(ctx.t("notices.withdraw"), f"n:wd:{notice.id}")])
