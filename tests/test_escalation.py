"""Escalation and draft expiry sweeps: working days, holidays, quiet hours, exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.app import build_app
from bot.core.channel import SingleMessageChannel
from bot.core.types import Reply
from bot.delivery import DeliveryWorker
from schedules.drafts import run_draft_sweep
from schedules.escalation import EscalationLadder, run_escalation
from schedules.runner import build_scheduler, guarded
from schedules.workdays import default_calendar
from storage import conversations, identities, outbox
from storage.case_models import Case, CaseStatus
from storage.db import unit_of_work
from storage.models import Department, Liaison, Membership, OutboxStatus, Person, Role, RoleGrant
from tests.factories import demo_reporter, make_case
from tests.given import audits, conversation_of

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.usefixtures("demo")


def sh(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Shanghai wall-clock moment."""
    return datetime(y, m, d, hour, minute, tzinfo=SH)


@dataclass
class RecordingChannel(SingleMessageChannel):
    """Reaches everyone at str(person id) and records what it sends."""

    name: str = "rec"
    sent: list[tuple[str, Reply]] = field(default_factory=list)

    def address_for(self, person_id: int, identities: dict[str, str],
                    person_name: str) -> str | None:
        return str(person_id)

    async def send(self, address: str, reply: Reply) -> None:
        self.sent.append((address, reply))


async def deliver_all(worker: DeliveryWorker) -> int:
    """Run the worker until nothing more is due now."""
    total = 0
    while sent := await worker.run_once():
        total += sent
    return total


def new_case(engine, clock, when: datetime, working_days: int = 15,
             status: CaseStatus = CaseStatus.ASSIGNED) -> Case:
    """A case of the demo county assigned at `when` to the first department."""
    clock.set(when)
    deadline = default_calendar().deadline_from(when, working_days).astimezone(UTC)
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        department = session.exec(select(Department).order_by(Department.id)).first()
        return make_case(session, clock.utcnow(), reporter=reporter, group=group, status=status,
                         department=department, deadline=deadline)


def sweep_at(app, clock, when: datetime) -> dict[str, int]:
    clock.set(when)
    return run_escalation(app.engine, app.services)


def rows(engine, prefix: str):
    with unit_of_work(engine) as session:
        return outbox.by_key_prefix(session, prefix)


def recipients(engine, case_id: int, rung: str) -> set[int]:
    return {row.person_id for row in rows(engine, f"case:{case_id}:{rung}:")}


def ids(engine, query) -> set[int]:
    with unit_of_work(engine) as session:
        return set(session.exec(query).all())


def liaison_ids(engine, case: Case) -> set[int]:
    return ids(engine, select(Liaison.person_id).where(Liaison.department_id == case.department_id))


def leader_ids(engine, case: Case) -> set[int]:
    return ids(engine, select(Membership.person_id).where(
        Membership.group_id == case.group_id, Membership.is_leader))


def role_ids(engine, role: Role) -> set[int]:
    return ids(engine, select(RoleGrant.person_id).where(RoleGrant.role == role.value))


def key_supervised(engine, case: Case) -> bool:
    with unit_of_work(engine) as session:
        return session.get(Case, case.id).key_supervision


def case_audits(engine, action: str, case: Case) -> list:
    return [e for e in audits(engine, action) if e.subject_id == case.id]


def test_ack_reminder_waits_two_working_days_across_a_weekend(app, clock, engine) -> None:
    case = new_case(engine, clock, sh(2026, 11, 27))  # Friday
    assert sweep_at(app, clock, sh(2026, 11, 30))["ack_reminder"] == 0  # Monday: 1 working day
    assert not recipients(engine, case.id, "ack-reminder")
    assert sweep_at(app, clock, sh(2026, 12, 1))["ack_reminder"] > 0  # Tuesday: 2
    assert recipients(engine, case.id, "ack-reminder") == liaison_ids(engine, case)
    row = rows(engine, f"case:{case.id}:ack-reminder:2026-11-27:")[0]
    payloads = [p for line in row.payload["buttons"] for _, p in line]
    assert f"c:ack:{case.id}" in payloads
    assert case.number in row.payload["text"]


def test_national_day_holiday_counts_as_no_working_days(app, clock, engine) -> None:
    case = new_case(engine, clock, sh(2026, 9, 29), working_days=5)  # Tue before National Day
    assert case.deadline.astimezone(SH).date() == date(2026, 10, 12)  # 30, 8, 9, 10(Sat), 12
    sweep_at(app, clock, sh(2026, 9, 30))
    sweep_at(app, clock, sh(2026, 10, 7))  # a Mon-Fri count would warn and remind today
    assert not recipients(engine, case.id, "deadline-warning")
    assert not recipients(engine, case.id, "ack-reminder")
    sweep_at(app, clock, sh(2026, 10, 8))  # first working day after the holiday
    assert recipients(engine, case.id, "deadline-warning") == liaison_ids(engine, case)
    assert recipients(engine, case.id, "ack-reminder") == liaison_ids(engine, case)
    assert "2026-10-12" in rows(engine, f"case:{case.id}:deadline-warning:")[0].payload["text"]
    sweep_at(app, clock, sh(2026, 10, 12, 23, 0))  # the deadline day itself is not overdue
    assert not recipients(engine, case.id, "overdue")
    sweep_at(app, clock, sh(2026, 10, 13, 8, 0))
    assert recipients(engine, case.id, "overdue")


def test_overdue_then_key_supervision_after_five_working_days(app, clock, engine) -> None:
    case = new_case(engine, clock, sh(2026, 9, 29), working_days=5)  # due Mon 2026-10-12
    with unit_of_work(engine) as session:
        session.get(Person, min(liaison_ids(engine, case))).locale = "en"
    sweep_at(app, clock, sh(2026, 10, 13))
    expected = liaison_ids(engine, case) | leader_ids(engine, case)  # the office: a digest
    assert recipients(engine, case.id, "overdue") == expected
    digest = {row.person_id for row in rows(engine, "digest:supervision:2026-10-13:")}
    assert digest == role_ids(engine, Role.STAFF) | role_ids(engine, Role.LEADERSHIP)
    assert len(case_audits(engine, "case.overdue", case)) == 1
    english = rows(engine, f"case:{case.id}:overdue:2026-10-12:{min(liaison_ids(engine, case))}")
    assert english[0].payload["text"].startswith("[Overdue notice]")
    for day in (14, 16, 17, 18):  # Fri 16th: 4 working days late; the weekend adds none
        sweep_at(app, clock, sh(2026, 10, day))
    assert not key_supervised(engine, case)
    sweep_at(app, clock, sh(2026, 10, 19))  # Monday: 13, 14, 15, 16, 19
    assert key_supervised(engine, case)
    leaders_digest = [row for row in rows(engine, "digest:supervision:2026-10-19:")
                      if row.person_id in role_ids(engine, Role.LEADERSHIP)]
    assert len(leaders_digest) == len(role_ids(engine, Role.LEADERSHIP))
    assert f"{case.number} " in leaders_digest[0].payload["text"]
    assert "重点督办 1 件" in leaders_digest[0].payload["text"]
    sweep_at(app, clock, sh(2026, 10, 20))
    assert len(case_audits(engine, "case.overdue", case)) == 1
    assert len(case_audits(engine, "case.key_supervision", case)) == 1


def test_spring_festival_make_up_saturday_counts(app, clock, engine) -> None:
    case = new_case(engine, clock, sh(2026, 2, 12), working_days=3)  # 13, 14(Sat), 24
    assert case.deadline.astimezone(SH).date() == date(2026, 2, 24)
    sweep_at(app, clock, sh(2026, 2, 23))  # the last day of the holiday
    assert not recipients(engine, case.id, "overdue")
    assert recipients(engine, case.id, "deadline-warning")
    sweep_at(app, clock, sh(2026, 3, 1))  # 25, 26, 27, 28(Sat, worked): 4 working days late
    assert recipients(engine, case.id, "overdue")
    assert not key_supervised(engine, case)
    sweep_at(app, clock, sh(2026, 3, 2))  # a Mon-Fri count would say 4 here
    assert key_supervised(engine, case)


def test_verify_fallback_goes_to_the_rest_of_the_group(app, clock, engine) -> None:
    case = new_case(engine, clock, sh(2026, 11, 26), status=CaseStatus.RECTIFIED)  # Thursday
    sweep_at(app, clock, sh(2026, 11, 30))  # 2 working days
    assert not recipients(engine, case.id, "verify-fallback")
    sweep_at(app, clock, sh(2026, 12, 1))
    members = ids(engine, select(Membership.person_id).where(Membership.group_id == case.group_id))
    assert recipients(engine, case.id, "verify-fallback") == members - {case.reporter_id}
    row = rows(engine, f"case:{case.id}:verify-fallback:")[0]
    payloads = {p for line in row.payload["buttons"] for _, p in line}
    assert payloads == {f"c:{code}:{case.id}" for code in ("vs", "vb", "vd")}


async def test_each_notice_once_across_reruns_and_a_restart(app, clock, engine) -> None:
    late = new_case(engine, clock, sh(2026, 11, 2), working_days=3)  # due Thu 11-05
    fixed = new_case(engine, clock, sh(2026, 11, 16), status=CaseStatus.RECTIFIED)
    first = sweep_at(app, clock, sh(2026, 11, 23))
    assert all(first[rung] for rung in ("ack_reminder", "overdue", "verify_fallback",
                                        "marked_key_supervision", "digest"))
    for minute in (5, 10):
        assert not any(sweep_at(app, clock, sh(2026, 11, 23, 10, minute)).values())
    restarted = build_app(app.settings, engine, clock)
    again = sweep_at(restarted, clock, sh(2026, 11, 23, 10, 30))
    assert not any(again.values())
    queued = rows(engine, f"case:{late.id}:") + rows(engine, f"case:{fixed.id}:")
    digests = rows(engine, "digest:supervision:")
    assert sum(first[r] for r in ("ack_reminder", "overdue", "verify_fallback")) == len(queued)
    assert first["digest"] == len(digests) > 0
    assert len(case_audits(engine, "case.overdue", late)) == 1
    assert len(case_audits(engine, "case.key_supervision", late)) == 1
    channel = RecordingChannel()
    await deliver_all(DeliveryWorker(engine, [channel], clock))
    mine = [(a, r.text) for a, r in channel.sent if late.number in r.text or fixed.number in r.text]
    assert len(mine) == len(queued) + len(digests)
    assert max(Counter(mine).values()) == 1
    assert await deliver_all(DeliveryWorker(engine, [channel], clock)) == 0


async def test_quiet_hours_hold_notices_until_morning(app, clock, engine) -> None:
    case = new_case(engine, clock, sh(2026, 11, 17), working_days=3)  # due Fri 11-20
    sweep_at(app, clock, sh(2026, 11, 23, 23, 0))
    queued = rows(engine, f"case:{case.id}:")
    assert queued and all(r.not_before == sh(2026, 11, 24, 7, 30) for r in queued)
    channel = RecordingChannel()
    worker = DeliveryWorker(engine, [channel], clock)
    assert await deliver_all(worker) == 0
    clock.set(sh(2026, 11, 24, 7, 29))
    assert await deliver_all(worker) == 0
    assert sweep_at(app, clock, sh(2026, 11, 24, 7, 30))["overdue"] == 0
    assert not rows(engine, "digest:supervision:2026-11-23:")  # none written at night
    digests = rows(engine, "digest:supervision:2026-11-24:")
    assert digests and await deliver_all(worker) == len(queued) + len(digests)
    assert await deliver_all(worker) == 0
    assert len({(a, r.text) for a, r in channel.sent}) == len(channel.sent)
    assert all(r.status == OutboxStatus.SENT for r in rows(engine, f"case:{case.id}:"))


def test_a_custom_ladder_and_settings_override(app, clock, engine) -> None:
    case = new_case(engine, clock, sh(2026, 11, 27))  # Friday
    clock.set(sh(2026, 11, 30))
    run_escalation(engine, app.services, ladder=EscalationLadder(ack_reminder_after=1))
    assert recipients(engine, case.id, "ack-reminder")

    class Custom:
        escalation_leadership_after_overdue = 7

    ladder = EscalationLadder.from_settings(Custom())
    assert (ladder.leadership_after_overdue, ladder.ack_reminder_after) == (7, 2)


def start_draft(engine, clock, flow: str = "report") -> int:
    with unit_of_work(engine) as session:
        person, _ = demo_reporter(session)
        conversations.start(session, person.id, flow, "describe", clock.utcnow(), {"a": 1})
        return person.id


def draft_sweep_at(app, clock, when: datetime) -> tuple[int, int]:
    clock.set(when)
    return run_draft_sweep(app.engine, app.services)


def test_draft_reminded_once_at_24_hours_and_expired_at_48(app, clock, engine) -> None:
    person_id = start_draft(engine, clock)  # Monday 10:00
    assert draft_sweep_at(app, clock, sh(2026, 11, 24, 9, 59)) == (0, 0)
    assert draft_sweep_at(app, clock, sh(2026, 11, 24, 10, 0)) == (1, 0)
    assert draft_sweep_at(app, clock, sh(2026, 11, 24, 10, 30)) == (0, 0)
    assert len(rows(engine, f"draft:{person_id}:report:")) == 1
    assert "/cancel" in rows(engine, f"draft:{person_id}:")[0].payload["text"]
    assert draft_sweep_at(app, clock, sh(2026, 11, 25, 9, 59)) == (0, 0)
    assert conversation_of(engine, person_id) is not None
    assert draft_sweep_at(app, clock, sh(2026, 11, 25, 10, 0)) == (0, 1)
    assert conversation_of(engine, person_id) is None
    assert draft_sweep_at(app, clock, sh(2026, 11, 25, 10, 30)) == (0, 0)
    assert len(rows(engine, f"draft-expired:{person_id}:report:")) == 1


def test_a_draft_touched_after_the_reminder_starts_over(app, clock, engine) -> None:
    person_id = start_draft(engine, clock)
    assert draft_sweep_at(app, clock, sh(2026, 11, 24, 10, 0)) == (1, 0)
    clock.set(sh(2026, 11, 24, 12, 0))
    with unit_of_work(engine) as session:
        conversations.save(session, conversations.current(session, person_id), clock.utcnow())
    assert draft_sweep_at(app, clock, sh(2026, 11, 25, 10, 0)) == (0, 0)
    assert draft_sweep_at(app, clock, sh(2026, 11, 25, 12, 0)) == (1, 0)
    assert len(rows(engine, f"draft:{person_id}:")) == 2


def test_a_draft_reminder_at_night_waits_and_the_expiry_counts_from_morning(app, clock,
                                                                            engine) -> None:
    clock.set(sh(2026, 11, 23, 23, 0))
    person_id = start_draft(engine, clock)
    assert draft_sweep_at(app, clock, sh(2026, 11, 24, 23, 0)) == (1, 0)
    assert rows(engine, f"draft:{person_id}:")[0].not_before == sh(2026, 11, 25, 7, 30)
    assert draft_sweep_at(app, clock, sh(2026, 11, 25, 23, 30)) == (0, 0)
    assert draft_sweep_at(app, clock, sh(2026, 11, 26, 7, 30)) == (0, 1)


def test_scheduler_registers_the_sweeps_and_survives_a_failing_job(app, caplog) -> None:
    jobs = {job.id for job in build_scheduler(app).get_jobs()}
    assert {"escalation_sweep", "escalation_morning", "draft_sweep",
            "purge_processed_updates"} <= jobs

    def broken() -> None:
        raise RuntimeError("database gone")

    guarded("broken", broken)()
    assert "broken failed" in caplog.text


def test_two_sweeps_at_the_same_moment_do_everything_once(app, clock, engine) -> None:
    """Two processes (here: threads with their own connections) sweeping at once: no error,
    every push and every timeline line once.
    """
    cases = [new_case(engine, clock, sh(2026, 11, 2), working_days=3) for _ in range(3)]
    clock.set(sh(2026, 11, 23))
    barrier = threading.Barrier(2)
    results: list = []

    def sweep() -> None:
        barrier.wait()
        try:
            results.append(run_escalation(engine, app.services))
        except Exception as exc:  # the defect: the second sweep died on the unique key
            results.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [r for r in results if isinstance(r, Exception)], results
    for case in cases:
        keys = [row.dedupe_key for row in rows(engine, f"case:{case.id}:")]
        assert len(keys) == len(set(keys)) > 0
        assert len(case_audits(engine, "case.overdue", case)) == 1
        assert len(case_audits(engine, "case.key_supervision", case)) == 1
    overdue = [row for row in rows(engine, "case:") if ":overdue:" in row.dedupe_key]
    assert sum(r["overdue"] for r in results) == len(overdue) > 0


def test_staff_hear_of_unreachable_people_once_in_the_digest(app, clock, engine) -> None:
    with unit_of_work(engine) as session:
        person, _ = demo_reporter(session)
        identities.bind(session, "telegram", "777", person.id, sh(2026, 11, 23, 9))
        identities.mark_unreachable(session, "telegram", "777", sh(2026, 11, 23, 9),
                                    "Forbidden: bot was blocked by the user")
    sweep_at(app, clock, sh(2026, 11, 24, 8))
    sweep_at(app, clock, sh(2026, 11, 24, 9))  # a second sweep adds nothing
    digests = rows(engine, "digest:supervision:2026-11-24:")
    assert {row.person_id for row in digests} == role_ids(engine, Role.STAFF)  # not leadership
    assert all(person.name in row.payload["text"] and "1 人无法接收消息" in row.payload["text"]
               for row in digests)
