"""The console channel: /as, numbered buttons, /photo and /location, pushes printed by addressee."""

from __future__ import annotations

from sqlmodel import select

from storage.case_models import Case, CaseMedia
from storage.db import unit_of_work
from storage.models import Person
from tests.console_support import run_lines
from tests.factories import demo_reporter, leader_of
from tests.images import jpeg_bytes


async def _run(app, lines: list[str]) -> str:
    return await run_lines(app, lines)


async def test_a_delegate_reports_with_a_photo_and_a_location(app, demo, tmp_path):
    with unit_of_work(app.engine) as session:
        reporter, group = demo_reporter(session)
        leader = leader_of(session, group)
    photo = tmp_path / "site.jpg"
    photo.write_bytes(jpeg_bytes())
    output = await _run(app, [
        f"/as {reporter.phone}", "/report", "7", "镇中心小学门前道路破损积水，学生上下学不安全",
        f"/photo {photo}", "/photo /no/such/file.jpg", "1", "/location 38.0512,114.3621",
        "/location nowhere", "1", "1"])

    assert "演示工作人员 林晓岚" in output and f"现在扮演：{reporter.name}" in output
    assert "已收到 1/9 张" in output and "找不到文件：/no/such/file.jpg" in output
    assert "位置格式" in output and "✅ 已提交！问题编号 2026-0001" in output
    assert f"📨 → {leader.name}：📋 新问题线索 2026-0001 待分拣" in output
    with unit_of_work(app.engine) as session:
        case = session.exec(select(Case)).one()
        media = session.exec(select(CaseMedia).where(CaseMedia.case_id == case.id)).all()
    assert (case.latitude, case.longitude) == (38.0512, 114.3621)
    assert [m.kind for m in media] == ["photo"]


async def test_switching_to_nobody_or_to_many_is_explained(app, demo):
    with unit_of_work(app.engine) as session:
        surnames = [p.name[0] for p in session.exec(select(Person)).all()]
    shared = next(s for s in surnames if surnames.count(s) > 1)
    output = await _run(app, ["/as 没有这个人", f"/as {shared}", "/whoami"])
    assert "名册中没有找到“没有这个人”" in output
    assert "对应多人" in output
    assert "林晓岚" in output.split("/whoami")[-1]


async def test_control_characters_never_reach_the_terminal_or_the_database(app, demo):
    with unit_of_work(app.engine) as session:
        reporter, _ = demo_reporter(session)
    evil = "\x1b[2J\x1b]0;pwned\x07路灯不亮\x00已经两周了，晚上\r行人\x9b31m很危险"
    output = await _run(app, [f"/as {reporter.phone}", "/report", "7", evil, "1", "1", "1",
                              "1"])
    assert "\x1b" not in output and "\x00" not in output and "\x9b" not in output
    with unit_of_work(app.engine) as session:
        case = session.exec(select(Case)).one()
    assert case.description == "[2J]0;pwned路灯不亮已经两周了，晚上行人31m很危险"


async def test_a_location_off_the_map_is_refused(app, demo):
    with unit_of_work(app.engine) as session:
        reporter, _ = demo_reporter(session)
    output = await _run(app, [f"/as {reporter.phone}", "/report", "7",
                              "镇中心小学门前道路破损积水，学生上下学不安全", "1",
                              "/location nan,inf", "/location 91,0", "/location 38.05,181"])
    assert output.count("位置格式") == 3
    assert "第5步" not in output


async def test_as_lists_people_with_masked_phones(app, demo):
    with unit_of_work(app.engine) as session:
        people = session.exec(select(Person)).all()
    surnames = [p.name[0] for p in people]
    shared = next(s for s in surnames if surnames.count(s) > 1)
    output = await _run(app, [f"/as {shared}"])
    listed = output.split("对应多人")[-1]
    assert not any(p.phone in listed for p in people)
    assert any(f"{p.phone[:3]}****{p.phone[-4:]}" in listed for p in people)
