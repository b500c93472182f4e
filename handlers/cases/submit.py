"""Turning a finished report draft into a case, or into a co-report of an open case (联动)."""

from __future__ import annotations

import math

from rapidfuzz import fuzz
from sqlmodel import select

from bot.core.context import Context
from handlers.cases import notify
from storage import cases
from storage.case_models import Case, CaseMedia, MediaKind
from storage.models import Group, Membership

SIMILAR_TEXT_SCORE = 60
NEARBY_METRES = 300
MAX_CANDIDATES = 3


def reporting_group(ctx: Context, area_id: int) -> Group | None:
    """The reporter's squad for this area, else their township group, else any group of theirs."""
    groups = list(ctx.session.exec(select(Group).join(
        Membership, Membership.group_id == Group.id).where(
        Membership.person_id == ctx.person.id).order_by(Group.id)).all())
    for wanted in (lambda g: g.area_id == area_id,
                   lambda g: g.kind == "township" and g.township == ctx.person.township):
        match = next((g for g in groups if wanted(g)), None)
        if match:
            return match
    return groups[0] if groups else None


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    radius = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def similar_open_cases(ctx: Context, draft: dict) -> list[Case]:
    """Open cases of the same area that look like this problem (text or within ~300 m)."""
    text = draft["description"]
    found: dict[int, tuple[float, Case]] = {}
    for case in cases.open_in(ctx.session, draft["area_id"], draft.get("township")):
        score = max(fuzz.ratio(text, case.description), fuzz.partial_ratio(text, case.description))
        if score >= SIMILAR_TEXT_SCORE:
            found[case.id] = (score, case)
    if draft.get("latitude") is not None:
        for case in cases.open_with_location(ctx.session):
            if case.area_id == draft["area_id"] and metres_between(
                    draft["latitude"], draft["longitude"], case.latitude,
                    case.longitude) <= NEARBY_METRES:
                found.setdefault(case.id, (100.0, case))
    ranked = sorted(found.values(), key=lambda pair: (-pair[0], -pair[1].id))
    return [case for _, case in ranked[:MAX_CANDIDATES]]


def create_case(ctx: Context, draft: dict, group: Group) -> Case:
    """Insert the case, its reporter and files; tell the group's leaders."""
    now = ctx.now
    case = Case(year=now.astimezone(ctx.services.settings.tz).year, seq=0, number="",
                area_id=draft["area_id"], township=draft.get("township"),
                description=draft["description"], latitude=draft.get("latitude"),
                longitude=draft.get("longitude"), address=draft.get("address"),
                reporter_id=ctx.person.id, group_id=group.id, created_at=now, updated_at=now)
    cases.insert_numbered(ctx.session, case)
    cases.add_reporter(ctx.session, case.id, ctx.person.id, group.id, now)
    attach_files(ctx, case, draft)
    ctx.audit("case.submitted", subject_type="case", subject_id=case.id, to_state=case.status)
    notify.submitted(ctx, case)
    return case


def join_case(ctx: Context, case: Case, draft: dict, group: Group) -> bool:
    """Add the reporter and their files to an open case; False if it was their own already."""
    attach_files(ctx, case, draft)
    if not cases.add_reporter(ctx.session, case.id, ctx.person.id, group.id, ctx.now):
        ctx.audit("case.files_added", subject_type="case", subject_id=case.id,
                  note=draft["description"])
        return False
    ctx.audit("case.co_reported", subject_type="case", subject_id=case.id,
              note=draft["description"])
    notify.to_leaders(ctx, case, f"co-report:{ctx.person.id}", "case.push.co_reported",
                      name=ctx.person.name)
    return True


def attach_files(ctx: Context, case: Case, draft: dict) -> None:
    """Record the draft's photos and voice note as the case's media."""
    files = [(sha, ext, MediaKind.PHOTO) for sha, ext in draft.get("photos", [])]
    if draft.get("voice"):
        files.append((*draft["voice"], MediaKind.VOICE))
    for sha, ext, kind in files:
        ctx.session.add(CaseMedia(case_id=case.id, sha256=sha, ext=ext, kind=kind,
                                  added_by_id=ctx.person.id, added_at=ctx.now))
