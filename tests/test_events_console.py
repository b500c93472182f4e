"""Activities on the console: a squad leader creates one, a member signs up from /events."""

from __future__ import annotations

from tests.console_support import run_lines

LEADER, MEMBER = "13700000003", "13700000001"  # 彭梅春 leads 民生实事工作专班; 刘蕾涵 is in it


async def test_a_leader_creates_an_activity_and_a_member_signs_up_on_the_console(app, demo):
    output = await run_lines(app, [
        f"/as {LEADER}", "/newevent", "1", "河道整治现场视察", "11月25日 09:30", "11:30",
        "青石镇河道", "2人", "1", "1", "1", "2", "1",
        f"/as {MEMBER}", "/events", "1", "1", "/agenda"])
    assert "> 1 → 视察" in output
    assert "✅ 活动 #1 已创建" in output
    assert "#1 11月25日 周三 09:30 视察：河道整治现场视察，青石镇河道（未回复）" in output
    assert "> 1 → 报名" in output
    assert "✅ 您已报名。" in output and "名额：已报 1/2" in output
    assert "（已报名）" in output.rsplit("/agenda", 1)[1]
