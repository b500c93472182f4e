"""The work log after an activity: text and photos by the organiser, attendance computed from
the check-ins, cases its checked-in people reported during an inspection listed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import activities
from storage.activity_models import ActivityLog
from storage.db import unit_of_work
from tests.event_support import EventCast, event_cast, make_activity, members_bound
from tests.given import bound, count, zh
from tests.images import jpeg_bytes
from tests.report_steps import number_in, to_preview

DESCRIPTION = "河道排污口直排污水，周边气味很大"
LOG = "现场查看了河道整治情况，发现两处排污口仍在排放，建议环保部门加强监测。"


@pytest.fixture
def cast(app, demo) -> EventCast:
    return event_cast(app.engine)


async def test_the_organiser_writes_the_log_with_photos_and_attendance_is_computed(
        app, cast, clock):
    act = make_activity(app.engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(minutes=30))
    first, second = await members_bound(app, cast, 2, 8501)
    for dialog in (first, second):
        await dialog.press(f"ev:yes:{act.id}")
    await first.press(f"ev:ci:{act.id}")
    clock.advance(minutes=40)  # the inspection is under way: a case found on site
    await to_preview(second, "民生实事", DESCRIPTION)  # not checked in: nothing offered
    assert not any(label.startswith("本次视察发现") for label in second.labels())
    await second.press("f:report:preview:found")  # forged
    assert zh(app)("report.pick_button") in second.text
    await to_preview(first, "民生实事", DESCRIPTION)
    await first.press("本次视察发现（专题视察）")
    assert first.last[0].edit and "✓ 本次视察发现（专题视察）" in first.labels()
    await first.press("提交")
    number = number_in(first.text)
    organiser = await bound(app, cast.leader, "8503")
    await organiser.press(f"ev:log:{act.id}")
    assert organiser.text == zh(app)("events.log_not_yet", number=act.id)
    clock.advance(hours=2)  # over
    await organiser.send(f"/roster {act.id}")
    await organiser.press("工作日志")
    await organiser.send("短")
    assert zh(app)("events.log_length", min=5, max=3000) in organiser.text
    await organiser.send(LOG)
    await organiser.send_photo(jpeg_bytes())
    assert "已收到 1/9 张" in organiser.text
    await organiser.press("完成")
    assert zh(app)("events.log_saved", number=act.id) in organiser.text
    assert f"出席：1 人签到（报名 2 人，邀请 {len(cast.members) + 1} 人）：{cast.members[0].name}" \
        in organiser.text
    assert f"本次视察发现：{number} {DESCRIPTION}" in organiser.text
    [shown] = [r for r in organiser.last if r.attachments]
    assert len(shown.attachments) == 1 and shown.attachments[0].is_photo
    with unit_of_work(app.engine) as session:
        log, photos = activities.log_of(session, act.id)
    assert log.text == LOG and len(photos) == 1
    await second.press(f"ev:logv:{act.id}")  # an invited member reads it
    assert LOG in second.text


async def test_only_the_organiser_writes_it_and_only_once(app, cast, clock):
    act = make_activity(app.engine, cast.leader, [cast.group.id],
                        clock.utcnow() - timedelta(hours=3))
    [member] = await members_bound(app, cast, 1, 8511)
    await member.press(f"ev:log:{act.id}")
    assert member.text == zh(app)("common.not_allowed")
    organiser = await bound(app, cast.leader, "8512")
    await organiser.press(f"ev:log:{act.id}")
    await organiser.send(LOG)
    await organiser.press("完成")
    await organiser.press(f"ev:log:{act.id}")  # again: the log is shown, not a new one
    assert LOG in organiser.text
    assert count(app.engine, ActivityLog) == 1
