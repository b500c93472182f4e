"""How a case reads in a message: a one-line summary, a card, and its timeline."""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.i18n import Translator
from handlers.labels import area_label
from storage import audit, cases
from storage.case_models import FINAL_STATUSES, Case, CaseStatus, Satisfaction
from storage.case_stats import ACTIVE as WITH_DEPARTMENT
from storage.models import Area, Department, Person

DESCRIPTION_PREVIEW = 60
VERDICTS = {verdict.value for verdict in Satisfaction}
# What a case's timeline shows (catalog: case.action.<name>); refusals stay in the audit log.
TIMELINE_ACTIONS = (
    "submitted", "co_reported", "files_added", "accept", "reject", "merge", "assign", "reassign",
    "acknowledge", "progress", "rectify", "confirm", "reopen", "extension_requested",
    "extension_approved", "extension_refused", "overdue", "key_supervision", "verify_nudged",
)


def status_label(t: Translator, status: str) -> str:
    """The status in words."""
    return t(f"case.status.{status}")


def local(ctx: Context, moment: datetime | None, fmt: str = "%Y-%m-%d") -> str:
    """A stored UTC time shown in the deployment's time zone."""
    return moment.astimezone(ctx.services.settings.tz).strftime(fmt) if moment else "—"


# Overdue runs to now while the department holds the case (the statuses /supervise counts),
# and to the fix once the case is rectified.
FIXED = (CaseStatus.RECTIFIED, CaseStatus.CLOSED)


def days_overdue(deadline: datetime | None, status: str, now: datetime,
                 rectified_at: datetime | None) -> int:
    """Calendar days past the deadline (counting the first day), else 0.

    Measured to now while the case is with the department (assigned, acknowledged, in
    progress); to the rectification while it waits for verification or is closed, so a fix
    made on time is never late and a late one stays late by the days up to the fix. A reopened
    case has no rectification any more and counts to now again. Anything else: 0.
    """
    end = now if status in WITH_DEPARTMENT else rectified_at if status in FIXED else None
    if deadline is None or end is None or end <= deadline:
        return 0
    return (end - deadline).days + 1


def overdue_days(case: Case, now: datetime) -> int:
    """Calendar days the case is (or was, when rectified) past its deadline; see days_overdue."""
    return days_overdue(case.deadline, case.status, now, case.rectified_at)


def short(text: str, limit: int = DESCRIPTION_PREVIEW) -> str:
    """The first `limit` characters on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def summary_line(ctx: Context, case: Case, areas: dict[int, Area] | None = None) -> str:
    """`2026-0042 · 公共卫生 · 已交办 · 截止 2026-12-01 (逾期3天)`; pass `areas` for long lists."""
    area = areas[case.area_id] if areas else ctx.session.get(Area, case.area_id)
    parts = [case.number, area_label(ctx.t, area), status_label(ctx.t, case.status)]
    if case.deadline and case.status not in FINAL_STATUSES:
        parts.append(ctx.t("case.deadline_short", date=local(ctx, case.deadline)))
    late = overdue_days(case, ctx.now)
    if late:
        parts.append(ctx.t("case.overdue_short", days=late))
    if case.key_supervision:
        parts.append(ctx.t("case.key_supervision"))
    return " · ".join(parts) + "\n   " + short(case.description)


def card(ctx: Context, case: Case) -> str:
    """Every field of a case a reader needs, in their language."""
    area = ctx.session.get(Area, case.area_id)
    department = ctx.session.get(Department, case.department_id) if case.department_id else None
    names = ctx.t("common.list_sep").join(p.name for p in cases.reporters(ctx.session, case.id))
    lines = [ctx.t("case.card", number=case.number, area=area_label(ctx.t, area),
                   township=case.township or "—", status=status_label(ctx.t, case.status),
                   reporters=names, description=case.description)]
    if case.address or case.latitude is not None:
        lines.append(ctx.t("case.card_place", place=place(case)))
    if department:
        lines.append(ctx.t("case.card_department", department=department.name,
                           assigned=local(ctx, case.assigned_at),
                           deadline=local(ctx, case.deadline)))
    if overdue_days(case, ctx.now):
        lines.append(ctx.t("case.overdue_short", days=overdue_days(case, ctx.now)))
    if case.satisfaction:
        lines.append(ctx.t("case.card_verdict", verdict=ctx.t(f"case.verdict.{case.satisfaction}")))
    return "\n".join(lines)


def place(case: Case) -> str:
    """The address, the coordinates, or both."""
    coords = (f"{case.latitude:.5f}, {case.longitude:.5f}"
              if case.latitude is not None and case.longitude is not None else "")
    return " ".join(part for part in (case.address or "", coords) if part)


def timeline(ctx: Context, case: Case) -> str:
    """Every move of the case: when, who, from → to, note."""
    lines = [ctx.t("case.timeline_title")]
    moves = [f"case.{action}" for action in TIMELINE_ACTIONS]
    for entry in audit.entries_for(ctx.session, "case", case.id, moves):
        actor = ctx.session.get(Person, entry.actor_id) if entry.actor_id else None
        who = actor.name if actor else ctx.t("case.system")
        step = ctx.t(f"case.action.{entry.action.removeprefix('case.')}")
        note = _note(ctx, entry.action, entry.note)
        lines.append(ctx.t("case.timeline_line", when=local(ctx, entry.at, "%m-%d %H:%M"),
                           who=who, step=step, note=f" — {short(note, 120)}" if note else ""))
    return "\n".join(lines)


def _note(ctx: Context, action: str, note: str) -> str:
    """A confirmation's note is its verdict's code, shown in the reader's language."""
    if action == "case.confirm" and note in VERDICTS:
        return ctx.t(f"case.verdict.{note}")
    return note
