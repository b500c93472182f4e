"""Races on one case: two processes moving it at once, and a dialog overtaken by someone else."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from storage import audit
from storage.case_models import Case, CaseStatus
from storage.db import is_sqlite, unit_of_work
from storage.models import Liaison
from tests.factories import Cast, make_case, make_cast
from tests.given import bound, conversation_of, zh

ROOT = Path(__file__).resolve().parent.parent
REASON = "属于物业管理纠纷，请通过业主委员会协调解决"
RACER = f"liandong-race-{os.getpid()}"


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


def _new_case(app, clock, cast: Cast, status=CaseStatus.SUBMITTED, **extra) -> Case:
    with unit_of_work(app.engine) as session:
        return make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group,
                         status=status, **extra)


def _reload(app, case_id: int) -> Case:
    with unit_of_work(app.engine) as session:
        return session.get(Case, case_id)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


# --- a dialog overtaken by someone else ------------------------------------------------------


async def test_a_reject_dialog_overtaken_by_an_accept_ends_and_says_why(app, clock, cast):
    case = _new_case(app, clock, cast)
    leader = await bound(app, cast.leader, "9101")
    staff = await bound(app, cast.staff, "9102")
    await leader.press(f"c:rej:{case.id}")
    await staff.press(f"c:acc:{case.id}")
    assert _reload(app, case.id).status == CaseStatus.ACCEPTED

    await leader.send(REASON)
    assert "当前状态为“已受理”" in leader.text
    assert zh(app)("common.flow_ended") in leader.text
    assert conversation_of(app.engine, cast.leader.id) is None
    await leader.send("你好")  # the next text is no longer taken as the reason
    assert leader.text == zh(app)("common.not_understood")
    assert _reload(app, case.id).status == CaseStatus.ACCEPTED


async def test_two_liaisons_rectifying_at_once_the_second_is_let_go(app, clock, cast):
    case = _new_case(app, clock, cast, CaseStatus.IN_PROGRESS, department=cast.department)
    with unit_of_work(app.engine) as session:
        session.add(Liaison(person_id=cast.other_liaison.id, department_id=cast.department.id))
    first = await bound(app, cast.liaison, "9103")
    second = await bound(app, cast.other_liaison, "9104")
    for liaison in (first, second):
        await liaison.press(f"c:fix:{case.id}")
        await liaison.send("已清运完毕，恢复路面")
        await liaison.send_photo(_png(), "image/png")
    await first.press("完成")
    assert _reload(app, case.id).status == CaseStatus.RECTIFIED
    await second.press("完成")
    assert f"当前状态为“{zh(app)('case.status.rectified')}”" in second.text
    assert zh(app)("common.flow_ended") in second.text
    assert conversation_of(app.engine, cast.other_liaison.id) is None


# --- two processes on one database -----------------------------------------------------------


def _start(engine, user_id: str, kind: str, value: str) -> subprocess.Popen:
    url = engine.url.render_as_string(hide_password=False)
    if not is_sqlite(engine):  # so the watcher counts only these processes
        url += ("&" if "?" in url else "?") + f"application_name={RACER}"
    return subprocess.Popen([sys.executable, "-m", "tests.processes.press", url, user_id, kind,
                             value], cwd=ROOT, stdout=subprocess.PIPE, text=True)


def _hold_until_both_wait(blocker, sqlite: bool) -> None:
    """PostgreSQL: until both processes wait on our row lock; SQLite: a while (no view)."""
    if sqlite:
        time.sleep(3)  # under the 5 s busy timeout; both have started and queue on BEGIN
        return
    deadline = time.monotonic() + 60
    query = text("select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                 "and application_name = :name")
    watcher = blocker.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with watcher:  # not the blocker: in a transaction, pg_stat_activity is a frozen snapshot
        while watcher.execute(query, {"name": RACER}).scalar() < 2:
            assert time.monotonic() < deadline, "the processes never reached the case"
            time.sleep(0.05)


async def test_two_processes_accept_and_reject_at_once_only_one_wins(app, clock, cast):
    """Both processes decide from `submitted`; the database lets exactly one move happen."""
    case = _new_case(app, clock, cast)
    leader = await bound(app, cast.leader, "9201")
    await bound(app, cast.staff, "9202")
    await leader.press(f"c:rej:{case.id}")  # the leader is writing the reason
    engine, sqlite = app.engine, is_sqlite(app.engine)
    with engine.connect() as blocker:
        if sqlite:
            blocker.exec_driver_sql("select 1")  # our BEGIN IMMEDIATE holds the write lock
        else:
            blocker.execute(text("select id from problem_case where id = :id for update"),
                            {"id": case.id})
        reject = _start(engine, "9201", "text", REASON)
        accept = _start(engine, "9202", "button", f"c:acc:{case.id}")
        _hold_until_both_wait(blocker, sqlite)
        blocker.rollback()
    texts = ["\n".join(json.loads(p.communicate(timeout=60)[0] or "[]"))
             for p in (reject, accept)]

    won = ["不予受理" in texts[0] and "理由已告知" in texts[0], "已受理" in texts[1]
           and "当前状态" not in texts[1] and "其他人" not in texts[1]]
    assert won.count(True) == 1, texts
    with unit_of_work(engine) as session:
        moves = [e.action for e in audit.entries_for(session, "case", case.id)]
        final = session.get(Case, case.id)
    assert moves.count("case.accept") + moves.count("case.reject") == 1, moves
    assert final.version == 2
    assert final.status == (CaseStatus.REJECTED if won[0] else CaseStatus.ACCEPTED)
