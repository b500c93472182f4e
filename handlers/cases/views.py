"""What each person may see of cases: /mycases, /case, /tasks, and /export for staff."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from bot.core.context import Context, Services
from bot.core.numbers import FULL_WIDTH, parse_int
from bot.core.types import Attachment, Button, Reply, button_rows
from bot.i18n import Translator
from handlers.cases import access
from handlers.cases.case_export import export_cases
from handlers.cases.offers import offer_rows
from handlers.cases.render import card, local, overdue_days, summary_line, timeline
from storage import audit, cases, people
from storage.case_models import Case, CaseMedia, CaseStatus, MediaKind
from storage.case_stats import ACTIVE
from storage.db import unit_of_work
from storage.models import Area, Role

LIST_LIMIT = 10
TASKS_LIMIT = 20
MAX_PHOTOS = 10
VIEW_BUTTONS_PER_ROW = 3
PHOTO_KINDS = (MediaKind.PHOTO, MediaKind.PROGRESS, MediaKind.EVIDENCE)
NUMBER = re.compile(r"([0-9]{4})-([0-9]{1,7})")


def view_button(case) -> Button:
    """A button labelled with the case number that opens the case."""
    return Button(case.number, f"c:view:{case.id}")


def view_rows(found: Sequence) -> tuple[tuple[Button, ...], ...]:
    """Number buttons (three a row) opening each case (anything with `id` and `number`)."""
    buttons = [view_button(case) for case in found]
    step = VIEW_BUTTONS_PER_ROW
    return button_rows(*(buttons[i:i + step] for i in range(0, len(buttons), step)))


def listing(ctx: Context, title: str, found: Sequence[Case], limit: int) -> list[str]:
    """The title, one summary per case, and a note when there were more than `limit`."""
    areas = {area.id: area for area in ctx.session.exec(select(Area)).all()}
    lines = [title, *(summary_line(ctx, case, areas) for case in found[:limit])]
    if len(found) > limit:
        lines.append(ctx.t("views.list_more", shown=limit))
    return lines


async def mycases(ctx: Context) -> list[Reply]:
    """`/mycases`: the cases I reported or co-reported, newest first."""
    found = cases.reported_by(ctx.session, ctx.person.id, limit=LIST_LIMIT + 1)
    if not found:
        return [Reply(ctx.t("views.mycases.empty"))]
    lines = listing(ctx, ctx.t("views.mycases.title"), found, LIST_LIMIT)
    return [Reply("\n".join(lines), buttons=view_rows(found[:LIST_LIMIT]))]


def normalise_number(text: str) -> str:
    """`２０２６－４２`, `#2026-42` or `2026-0042` → `2026-0042`; `42` stays `42`."""
    text = text.translate(FULL_WIDTH).replace("－", "-").strip().lstrip("#＃").strip()
    match = NUMBER.fullmatch(text)
    return f"{match[1]}-{int(match[2]):04d}" if match else text


async def case_detail(ctx: Context) -> list[Reply]:
    """`/case 2026-0042` (or `/case 42`): the card, the timeline, the photos and my buttons."""
    wanted = normalise_number(ctx.event.args)
    if not wanted:
        return [Reply(ctx.t("views.case.usage"))]
    seq = parse_int(wanted, 1)
    case = cases.by_seq(ctx.session, seq) if seq is not None else cases.by_number(
        ctx.session, wanted[:20])
    if case is None:
        return [Reply(ctx.t("views.case.not_found", number=wanted[:20]))]
    return show(ctx, case)


async def view_by_id(ctx: Context, case_id: int) -> list[Reply]:
    """The same view for a `c:view:<id>` button."""
    case = ctx.session.get(Case, case_id)
    if case is None:
        return [Reply(ctx.t("views.case.not_found", number=case_id))]
    return show(ctx, case)


def show(ctx: Context, case: Case) -> list[Reply]:
    """The full case for someone allowed to see it; a refusal (audited) for anyone else."""
    if not access.can_view(ctx, case):
        ctx.audit("denied", subject_type="case", subject_id=case.id, note="view")
        return [Reply(ctx.t("views.case.not_allowed", number=case.number))]
    photos = case_photos(ctx, case)
    lines = [card(ctx, case), *_extra_lines(ctx, case)]
    if photos.counts:
        lines.append(photo_counts(ctx.t, photos.counts))
    if photos.more:
        lines.append(ctx.t("views.case.more_photos", count=photos.more))
    text = "\n".join(lines) + "\n\n" + timeline(ctx, case)
    return [Reply(text, buttons=button_rows(*offer_rows(ctx, case)),
                  attachments=photos.attachments)]


def _extra_lines(ctx: Context, case: Case) -> list[str]:
    """What the card leaves out: the progress note, the merge target, the rejection reason."""
    lines = []
    if case.progress_note:
        lines.append(ctx.t("views.case.progress", note=case.progress_note))
    if case.merged_into_id:
        target = ctx.session.get(Case, case.merged_into_id)
        lines.append(ctx.t("views.case.merged_into", number=target.number if target else "—"))
    if case.status == CaseStatus.REJECTED and case.rejection_reason:
        lines.append(ctx.t("views.case.rejected", reason=case.rejection_reason))
    return lines


@dataclass(frozen=True)
class Photos:
    """What a case view sends of the case's photos, how many more it has, and how many of
    each kind (site, progress, evidence) it has in all.
    """

    attachments: tuple[Attachment, ...]
    more: int
    counts: Counter


def photo_label(t: Translator, kind: str) -> str:
    """What a photo of this kind shows: 现场照片, 进展照片 or 整改照片."""
    if kind == MediaKind.EVIDENCE:
        return t("views.case.photo_evidence")
    if kind == MediaKind.PROGRESS:
        return t("views.case.photo_progress")
    return t("views.case.photo_site")


def photo_counts(t: Translator, counts: Counter) -> str:
    """The line under the card: how many photos of each kind the case has."""
    return t("views.case.photo_counts", site=counts[MediaKind.PHOTO],
             progress=counts[MediaKind.PROGRESS], evidence=counts[MediaKind.EVIDENCE])


def case_photos(ctx: Context, case: Case) -> Photos:
    """Up to ten stored photos of the case, each named and captioned with its kind and its
    number among the photos of that kind (`2026-0042-整改照片-2.jpg`).
    """
    media = cases.media_of(ctx.session, case.id, PHOTO_KINDS)
    counts, numbered = Counter(m.kind for m in media), Counter()
    store = ctx.services.media
    found = []
    for item in media if store is not None else ():
        numbered[item.kind] += 1
        path = store.path_for(item.sha256, item.ext)
        if path.exists():
            found.append(_photo(ctx.t, case, item, path, numbered[item.kind],
                                counts[item.kind]))
    return Photos(tuple(found[:MAX_PHOTOS]), max(len(found) - MAX_PHOTOS, 0), counts)


def _photo(t: Translator, case: Case, media: CaseMedia, path: Path, index: int,
           count: int) -> Attachment:
    label = photo_label(t, media.kind)
    name = f"{case.number}-{label.replace(' ', '-')}-{index}.{media.ext}"
    caption = t("views.case.photo_caption", number=case.number, label=label, index=index,
                count=count)
    return Attachment(str(path), name, is_photo=True, caption=caption)


async def tasks(ctx: Context) -> list[Reply]:
    """`/tasks`: my departments' open cases, soonest deadline first, overdue ones counted."""
    department_ids = [d.id for d in people.departments_of(ctx.session, ctx.person.id)]
    found = cases.tasks_of(ctx.session, department_ids, limit=TASKS_LIMIT + 1) \
        if department_ids else []
    if not found:
        return [Reply(ctx.t("views.tasks.empty"))]
    shown = found[:TASKS_LIMIT]
    lines = listing(ctx, ctx.t("views.tasks.title"), found, TASKS_LIMIT)
    late = sum(1 for case in shown if case.status in ACTIVE and overdue_days(case, ctx.now))
    if late:
        lines.insert(1, ctx.t("views.tasks.overdue", count=late))
    return [Reply("\n".join(lines), buttons=view_rows(shown))]


async def export(ctx: Context) -> list[Reply]:
    """`/export` (staff): write the 问题清单 workbook and send it as a file."""
    if not ctx.has_any(Role.STAFF):
        ctx.audit("denied", note="/export")
        return [Reply(ctx.t("common.not_allowed"))]
    services, t, now, actor = ctx.services, ctx.t, ctx.now, ctx.person.id
    filename = ctx.t("views.export.filename", date=local(ctx, now))
    path = services.settings.data_dir / "exports" / f"{uuid.uuid4().hex}.xlsx"

    async def write() -> list[Reply]:  # after the commit, in a thread, in its own session
        count = await asyncio.to_thread(_write_export, services, path, now)
        with unit_of_work(services.engine) as session:
            audit.record(session, now, actor, "export", subject_type="case",
                         note=f"{filename}: {count}")
        return [Reply(t("views.export.done", count=count),
                      attachments=(Attachment(str(path), filename, temporary=True),))]

    ctx.after_commit(write)
    return []


def _write_export(services: Services, path: Path, now: datetime) -> int:
    """Write the workbook from a read-only transaction of its own (the event's has ended)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = services.settings
    with unit_of_work(services.engine, read_only=True) as session:
        return export_cases(session, path, now, settings.tz, settings.locale)
