"""Seeing cases by role: /mycases, /case, /inbox, /tasks, and /export for staff only."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import select

from bot.core.types import Attachment, Reply
from handlers.cases import inbox, views
from handlers.cases.render import overdue_days as render_overdue_days
from storage import audit, cases
from storage.case_models import Case, CaseMedia, CaseStatus, MediaKind
from storage.db import unit_of_work
from storage.models import Department, Group, Membership, Person, Role
from tests.factories import demo_reporter, leader_of, liaison_of, make_case
from tests.given import a_delegate, audits, bound, en, the_staff, zh

pytestmark = pytest.mark.usefixtures("demo", "view_routes")


@pytest.fixture
def view_routes(app) -> None:
    """The routes bot/routes.py gets for these views (kept if already wired)."""
    router = app.router
    for name, handler, roles in (
            ("mycases", views.mycases, (Role.DELEGATE,)), ("case", views.case_detail, ()),
            ("inbox", inbox.inbox, (Role.SQUAD_LEADER, Role.STAFF)),
            ("tasks", views.tasks, (Role.LIAISON,)), ("export", views.export, (Role.STAFF,))):
        if name not in router.commands:
            router.command(name, handler, *roles, help_key=f"help.{name}")


def _outsider(session, case: Case) -> Person:
    """A plain delegate who shares no group with the case and reported nothing."""
    reporter_groups = select(Membership.group_id).where(Membership.person_id == case.reporter_id)
    insiders = select(Membership.person_id).where(
        (Membership.group_id == case.group_id) | Membership.group_id.in_(reporter_groups)
        | Membership.is_leader)
    return session.exec(select(Person).where(Person.level.is_not(None),
                                             Person.id.not_in(insiders)).order_by(Person.id)).first()


def _other_squad(session, group: Group) -> Group:
    return session.exec(select(Group).where(Group.kind == "task_squad", Group.id != group.id)
                        .order_by(Group.id)).first()


def _two_departments(session) -> tuple[Department, Department]:
    first, second = session.exec(select(Department).order_by(Department.id).limit(2)).all()
    return first, second


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buffer, "PNG")
    return buffer.getvalue()


# --- /mycases -------------------------------------------------------------------------------

async def test_mycases_lists_only_my_cases_newest_first(app, engine, clock) -> None:
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        first = make_case(session, clock.utcnow(), reporter=reporter, group=group)
        second = make_case(session, clock.utcnow(), reporter=reporter, group=group,
                           description="小区门口路灯损坏三个月未修")
        foreign = make_case(session, clock.utcnow(), reporter=_outsider(session, first),
                            group=_other_squad(session, group))
    dialog = await bound(app, reporter, "1001")
    await dialog.send("/mycases")
    assert zh(app)("views.mycases.title") in dialog.text
    assert first.number in dialog.text and second.number in dialog.text
    assert foreign.number not in dialog.text
    assert dialog.labels() == [second.number, first.number]
    assert dialog.payload_of(first.number) == f"c:view:{first.id}"


async def test_mycases_when_nothing_reported(app, engine) -> None:
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.send("/mycases")
    assert dialog.text == zh(app)("views.mycases.empty")


async def test_mycases_includes_co_reported_and_caps_the_list(app, engine, clock) -> None:
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        made = [make_case(session, clock.utcnow(), reporter=reporter, group=group)
                for _ in range(views.LIST_LIMIT + 1)]
        other = _outsider(session, made[0])
        joined = make_case(session, clock.utcnow(), reporter=other,
                           group=_other_squad(session, group))
        cases.add_reporter(session, joined.id, reporter.id, group.id, clock.utcnow())
    dialog = await bound(app, reporter, "1001")
    await dialog.send("/mycases")
    assert dialog.labels()[0] == joined.number
    assert len(dialog.labels()) == views.LIST_LIMIT
    assert zh(app)("views.list_more", shown=views.LIST_LIMIT) in dialog.text


# --- /case and the view button ------------------------------------------------------------

async def test_case_refused_for_someone_without_access_and_audited(app, engine, clock) -> None:
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group)
        outsider = _outsider(session, case)
    dialog = await bound(app, outsider, "2002")
    await dialog.send(f"/case {case.number}")
    assert dialog.text == zh(app)("views.case.not_allowed", number=case.number)
    assert case.description not in dialog.text
    await dialog.press(f"c:view:{case.id}")
    assert dialog.text == zh(app)("views.case.not_allowed", number=case.number)
    denied = audits(engine, "denied")
    expected = [("case", case.id, "view")] * 2
    assert [(d.subject_type, d.subject_id, d.note) for d in denied] == expected
    assert all(d.actor_id == outsider.id for d in denied)


async def test_case_for_the_leader_shows_card_timeline_photos_and_triage(app, engine,
                                                                         clock) -> None:
    stored = app.services.media.put_image(_png())
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group)
        session.add(CaseMedia(case_id=case.id, sha256=stored.sha256, ext="png",
                              kind=MediaKind.PHOTO, added_by_id=reporter.id,
                              added_at=clock.utcnow()))
        session.add(CaseMedia(case_id=case.id, sha256="0" * 64, ext="ogg",
                              kind=MediaKind.VOICE, added_by_id=reporter.id,
                              added_at=clock.utcnow()))
        leader = leader_of(session, group)
    dialog = await bound(app, leader, "3003")
    await dialog.send(f"/case {case.seq}")
    t = zh(app)
    assert case.number in dialog.text and case.description in dialog.text
    assert t("case.timeline_title") in dialog.text
    assert dialog.labels() == [t("case.button.acc"), t("case.button.rej"), t("case.button.mrg")]
    attachments = dialog.last[0].attachments
    assert [(a.path, a.filename, a.is_photo) for a in attachments] == [
        (str(stored.path), f"{case.number}-现场照片-1.png", True)]


def _add_photos(session, app, case: Case, person: Person, kinds: list[MediaKind]) -> list:
    """Store one distinct image per kind given, oldest first; the stored files."""
    stored = []
    for n, kind in enumerate(kinds):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 6), (n * 20, 0, 0)).save(buffer, "PNG")
        stored.append(app.services.media.put_image(buffer.getvalue()))
        session.add(CaseMedia(case_id=case.id, sha256=stored[-1].sha256, ext="png", kind=kind,
                              added_by_id=person.id, added_at=case.created_at
                              + timedelta(minutes=n)))
    return stored


async def test_case_photos_are_labelled_by_kind_and_counted(app, engine, clock) -> None:
    kinds = [MediaKind.PHOTO, MediaKind.PROGRESS, MediaKind.EVIDENCE, MediaKind.EVIDENCE]
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        department = session.exec(select(Department).order_by(Department.id)).first()
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group,
                         status=CaseStatus.RECTIFIED, department=department)
        stored = _add_photos(session, app, case, reporter, kinds)
        session.add(CaseMedia(case_id=case.id, sha256="0" * 64, ext="ogg",
                              kind=MediaKind.VOICE, added_by_id=reporter.id,
                              added_at=clock.utcnow()))
    dialog = await bound(app, reporter, "1001")
    await dialog.send(f"/case {case.number}")
    n, t = case.number, zh(app)
    attachments = dialog.last[0].attachments
    assert [(a.path, a.filename, a.caption, a.is_photo) for a in attachments] == [
        (str(stored[0].path), f"{n}-现场照片-1.png", f"{n} 现场照片（1/1）", True),
        (str(stored[1].path), f"{n}-进展照片-1.png", f"{n} 进展照片（1/1）", True),
        (str(stored[2].path), f"{n}-整改照片-1.png", f"{n} 整改照片（1/2）", True),
        (str(stored[3].path), f"{n}-整改照片-2.png", f"{n} 整改照片（2/2）", True)]
    assert t("views.case.photo_counts", site=1, progress=1, evidence=2) in dialog.text
    assert "照片：现场照片 1 张，进展照片 1 张，整改照片 2 张" in dialog.text


async def test_case_photo_labels_in_english_and_through_the_outbox(app, engine, clock) -> None:
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group)
        stored = _add_photos(session, app, case, reporter, [MediaKind.EVIDENCE])
        session.get(Person, reporter.id).locale = "en"
    dialog = await bound(app, reporter, "1001")
    await dialog.send(f"/case {case.number}")
    (photo,) = dialog.last[0].attachments
    expected = Attachment(str(stored[0].path), f"{case.number}-photo-of-the-fix-1.png", True,
                          caption=f"{case.number} photo of the fix (1/1)")
    assert photo == expected
    assert en(app)("views.case.photo_counts", site=0, progress=0, evidence=1) in dialog.text
    reply = Reply("x", attachments=(photo,))
    assert Reply.from_dict(reply.to_dict()) == reply  # a queued push keeps its captions
    queued_before = {"text": "x", "attachments": [[photo.path, photo.filename, True, False]]}
    assert Reply.from_dict(queued_before).attachments[0].caption == ""


async def test_case_without_photos_has_no_photo_line(app, engine, clock) -> None:
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group)
    dialog = await bound(app, reporter, "1001")
    await dialog.send(f"/case {case.number}")
    assert case.number in dialog.text and "照片：" not in dialog.text
    assert dialog.last[0].attachments == ()


@pytest.mark.parametrize(("typed", "expected"), [
    ("2026-0042", "2026-0042"), ("2026-42", "2026-0042"), ("#2026-7", "2026-0007"),
    ("２０２６－００４２", "2026-0042"), ("42", "42"), (" 42 ", "42"), ("abc", "abc")])
def test_case_numbers_are_normalised(typed: str, expected: str) -> None:
    assert views.normalise_number(typed) == expected


async def test_case_usage_and_not_found(app, engine) -> None:
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.send("/case")
    assert dialog.text == zh(app)("views.case.usage")
    await dialog.send("/case 2026-9999")
    assert dialog.text == zh(app)("views.case.not_found", number="2026-9999")
    await dialog.press("c:view:notanumber")
    assert dialog.text == zh(app)("common.button_unknown")


async def test_reporter_sees_verdict_buttons_on_a_rectified_case(app, engine, clock) -> None:
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        department = session.exec(select(Department)).first()
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group,
                         status=CaseStatus.RECTIFIED, department=department)
        case.progress_note = "已清运完毕"
        session.add(case)
    dialog = await bound(app, reporter, "1001")
    await dialog.press(f"c:view:{case.id}")
    t = zh(app)
    assert t("views.case.progress", note="已清运完毕") in dialog.text
    assert dialog.labels() == [t("case.button.vs"), t("case.button.vb"), t("case.button.vd")]


# --- /tasks ---------------------------------------------------------------------------------

async def test_tasks_show_only_my_department_soonest_first_overdue_flagged(app, engine,
                                                                           clock) -> None:
    now = clock.utcnow()
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        mine, theirs = _two_departments(session)
        later = make_case(session, now, reporter=reporter, group=group, department=mine,
                          status=CaseStatus.ASSIGNED, deadline=now + timedelta(days=10))
        sooner = make_case(session, now, reporter=reporter, group=group, department=mine,
                           status=CaseStatus.IN_PROGRESS, deadline=now + timedelta(days=2))
        closed = make_case(session, now, reporter=reporter, group=group, department=mine,
                           status=CaseStatus.CLOSED, deadline=now + timedelta(days=1))
        foreign = make_case(session, now, reporter=reporter, group=group, department=theirs,
                            status=CaseStatus.ASSIGNED)
        liaison = liaison_of(session, mine)
    dialog = await bound(app, liaison, "4004")
    await dialog.send("/tasks")
    assert dialog.labels() == [sooner.number, later.number]
    assert foreign.number not in dialog.text and closed.number not in dialog.text
    assert zh(app)("views.tasks.overdue", count=1) not in dialog.text
    clock.advance(days=5)
    await dialog.send("/tasks")
    late = render_overdue_days(sooner, clock.utcnow())
    assert late > 0
    assert zh(app)("case.overdue_short", days=late) in dialog.text
    assert zh(app)("views.tasks.overdue", count=1) in dialog.text
    await dialog.send(f"/case {foreign.number}")
    assert dialog.text == zh(app)("views.case.not_allowed", number=foreign.number)


async def test_liaison_sees_acknowledge_button_on_own_case(app, engine, clock) -> None:
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        department = session.exec(select(Department)).first()
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group,
                         status=CaseStatus.ASSIGNED, department=department)
        liaison = liaison_of(session, department)
    dialog = await bound(app, liaison, "4004")
    await dialog.send(f"/case {case.number}")
    assert dialog.labels() == [zh(app)("case.button.ack")]


async def test_tasks_refused_to_a_delegate(app, engine) -> None:
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.send("/tasks")
    assert dialog.text == zh(app)("common.not_allowed")


# --- /inbox ---------------------------------------------------------------------------------

async def test_inbox_for_a_leader_and_for_staff(app, engine, clock) -> None:
    now = clock.utcnow()
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        own = make_case(session, now, reporter=reporter, group=group)
        accepted = make_case(session, now, reporter=reporter, group=group,
                             status=CaseStatus.ACCEPTED)
        other_group = _other_squad(session, group)
        elsewhere = make_case(session, now, reporter=_outsider(session, own), group=other_group)
        leader = leader_of(session, group)
    t = zh(app)
    dialog = await bound(app, leader, "3003")
    await dialog.send("/inbox")
    assert own.number in dialog.text
    assert elsewhere.number not in dialog.text and accepted.number not in dialog.text
    assert dialog.labels() == [own.number, t("case.button.acc"), t("case.button.rej"),
                               t("case.button.mrg")]
    staff = await bound(app, the_staff(engine), "5005")
    await staff.send("/inbox")
    assert [r.text.splitlines()[0] for r in staff.last] == [t("views.inbox.triage"),
                                                            t("views.inbox.assign")]
    assert own.number in staff.last[0].text and elsewhere.number in staff.last[0].text
    assert accepted.number in staff.last[1].text
    assert staff.payload_of(t("case.button.asg")) == f"c:asg:{accepted.id}"


async def test_inbox_empty_and_refused_to_a_delegate(app, engine) -> None:
    staff = await bound(app, the_staff(engine), "5005")
    await staff.send("/inbox")
    assert staff.text == zh(app)("views.inbox.empty")
    delegate = await bound(app, a_delegate(engine), "1001")
    await delegate.send("/inbox")
    assert delegate.text == zh(app)("common.not_allowed")


# --- /export and the workbook ---------------------------------------------------------------

async def test_export_refused_to_a_delegate_and_sent_to_staff(app, engine, clock,
                                                              settings) -> None:
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        make_case(session, clock.utcnow(), reporter=reporter, group=group)
    delegate = await bound(app, a_delegate(engine), "1001")
    await delegate.send("/export")
    assert delegate.text == zh(app)("common.not_allowed")
    assert not (settings.data_dir / "exports").exists()
    staff = await bound(app, the_staff(engine), "5005")
    await staff.send("/export")
    assert staff.text == zh(app)("views.export.done", count=1)
    (attachment,) = staff.last[0].attachments
    assert attachment.filename == "问题清单-2026-11-23.xlsx" and not attachment.is_photo
    assert Path(attachment.path).parent == settings.data_dir / "exports"
    assert attachment.temporary  # the channel deletes it once sent
    book = load_workbook(attachment.path)
    assert book.sheetnames == ["问题清单", "汇总"]
    assert book["问题清单"].max_row == 2
    assert [a.note for a in audits(engine, "export")] == [f"{attachment.filename}: 1"]


async def test_the_timeline_speaks_the_readers_language(app, engine, clock) -> None:
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group)
        session.get(Person, reporter.id).locale = "en"
        audit.record(session, clock.utcnow(), reporter.id, "case.confirm", subject_type="case",
                     subject_id=case.id, from_state="rectified", to_state="closed",
                     note="basic")
    dialog = await bound(app, reporter, "1001")
    await dialog.send(f"/case {case.number}")
    timeline = dialog.text.split("Timeline:")[1]
    assert f"{reporter.name}: verified the fix; closed out — basically satisfied" in timeline
    assert "：" not in timeline
