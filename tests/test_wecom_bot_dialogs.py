"""The landed dialogs over the WeCom AI bot: every action a callback on the long connection,
every answer a reply with the callback's req_id (buttons as template cards), pushes through the
outbox worker with aibot_send_msg.
"""

from __future__ import annotations

import hashlib

from sqlmodel import select

from storage.case_models import CaseMedia, CaseStatus
from storage.db import unit_of_work
from storage.demo import DEMO_STAFF_PHONE
from storage.models import Area, ChannelIdentity, Department, Person
from storage.wecom_bot_reach import not_yet_written
from tests.factories import demo_reporter, leader_of, liaison_of, make_case
from tests.fake_wecom_bot_server import WINDOW_PASSED
from tests.given import a_delegate, invite_code
from tests.images import jpeg_bytes
from tests.notice_support import leader_sends, notice_cast, recipients
from tests.test_telegram_cases import DESCRIPTION, the_case
from tests.wecom_support import deliver, joined, roster_account


async def test_a_roster_account_is_bound_by_its_first_message(aibot, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    answer = joined(await aibot.member("liulei").say("/whoami"))
    assert person.name in answer
    with unit_of_work(engine) as session:
        bound = session.exec(select(ChannelIdentity).where(
            ChannelIdentity.channel == "wecom_bot")).one()
        assert (bound.external_id, bound.person_id) == ("liulei", person.id)
    [reply] = aibot.member("liulei").sent()
    assert reply.cmd == "aibot_respond_msg" and reply.body["msgtype"] == "markdown"


async def test_a_member_outside_the_roster_is_asked_for_an_invite_code(aibot, engine):
    person = a_delegate(engine)
    stranger = aibot.member("zhangsan")
    assert "邀请码" in joined(await stranger.say("你好"))
    assert person.name in joined(await stranger.say(f"/start {invite_code(engine, person.id)}"))
    assert person.name in joined(await stranger.say("/whoami"))


async def test_entering_the_chat_is_welcomed(aibot, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    answer = joined(await aibot.member("liulei").enter())
    assert person.name in answer
    assert aibot.member("liulei").sent()[0].cmd == "aibot_respond_welcome_msg"


async def test_a_redelivered_message_is_handled_once(aibot, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    member = aibot.member("liulei")
    first = await member.send("text", {"content": "/whoami"}, msgid="m-1")
    again = await member.send("text", {"content": "/whoami"}, msgid="m-1")
    assert person.name in joined(first) and again == []


async def test_a_voice_message_counts_as_its_recognised_text(aibot, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    answer = joined(await aibot.member("liulei").send("voice", {"content": "/whoami"}))
    assert person.name in answer


async def test_a_case_from_report_to_closing_over_the_ai_bot(aibot, engine):
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        leader = leader_of(session, group)
        staff = session.exec(select(Person).where(Person.phone == DEMO_STAFF_PHONE)).one()
        department = session.exec(select(Department).order_by(Department.id)).first()
        liaison = liaison_of(session, department)
        area = session.get(Area, group.area_id).name_zh
        township, department_name = reporter.township, department.name
    for userid, person in (("rep", reporter), ("lead", leader), ("staff", staff),
                           ("liaison", liaison)):
        roster_account(engine, person.id, userid)
    rep, lead, office, liaison_member = (aibot.member(u) for u in
                                         ("rep", "lead", "staff", "liaison"))
    for member in (rep, lead, office, liaison_member):  # each writes once: bound, reachable
        await member.say("/whoami")

    assert "第1步" in joined(await rep.say("/report"))
    assert "第2步" in joined(await rep.tap(area))
    assert "第3步" in joined(await rep.say(DESCRIPTION))
    photo = jpeg_bytes()
    assert "1/9" in joined(await rep.send("image", aibot.server.add_image(photo)))
    digest = hashlib.sha256(photo).hexdigest()
    assert "第4步" in joined(await rep.tap("完成"))
    assert "第5步" in joined(await rep.say("跳过"))  # the AI bot cannot share a location
    preview = joined(await rep.tap(f"使用：{township}"))
    assert "请核对" in preview and DESCRIPTION in preview
    assert "已提交" in joined(await rep.tap("提交"))
    case = the_case(engine)
    assert case.status == CaseStatus.SUBMITTED
    with unit_of_work(engine) as session:
        media = session.exec(select(CaseMedia).where(CaseMedia.case_id == case.id)).all()
        assert [(m.sha256, m.kind) for m in media] == [(digest, "photo")]

    assert await deliver(aibot) >= 1  # the squad leader's push is a card
    pushes = [s for s in lead.sent() if s.cmd == "aibot_send_msg"]
    assert case.number in joined(aibot.server.texts("lead")) and pushes
    assert "已受理" in joined(await lead.tap(prefix="c:acc:"))
    assert the_case(engine, case.id).status == CaseStatus.ACCEPTED

    await deliver(aibot)
    await office.tap(prefix="c:asg:")
    await office.tap(department_name)
    assert "请确认" in joined(await office.tap(prefix="f:assign:deadline:"))
    assert "已交办" in joined(await office.tap("确认"))
    assert the_case(engine, case.id).status == CaseStatus.ASSIGNED

    await deliver(aibot)
    await liaison_member.tap(prefix="c:ack:")
    assert the_case(engine, case.id).status == CaseStatus.ACKNOWLEDGED
    await liaison_member.tap(prefix="c:fix:")
    await liaison_member.say("已更换全部灯具")
    fix_photo = aibot.server.add_image(jpeg_bytes((20, 200, 20)))
    assert "1/9" in joined(await liaison_member.send("mixed", {"msg_item": [
        {"msgtype": "image", "image": fix_photo}]}))
    assert "整改完成" in joined(await liaison_member.tap("完成"))
    assert the_case(engine, case.id).status == CaseStatus.RECTIFIED

    await deliver(aibot)
    assert "已销号" in joined(await rep.tap("满意"))
    assert the_case(engine, case.id).status == CaseStatus.CLOSED


async def test_acknowledging_a_notice_updates_its_card_within_five_seconds(aibot, engine):
    cast = notice_cast(engine)
    member = cast.members[0]
    roster_account(engine, member.id, "member1")
    talker = aibot.member("member1")
    await talker.say("/whoami")
    _, notice_id = await leader_sends(aibot.app, cast, "7301")
    await deliver(aibot)
    push = [s for s in talker.sent() if s.cmd == "aibot_send_msg"][-1]
    assert [b["text"] for b in push.body["template_card"]["button_list"]] == ["收到"]

    await talker.tap("收到")
    update = talker.sent()[-1]
    assert update.cmd == "aibot_respond_update_msg"
    new_card = update.body["template_card"]
    assert [b["text"] for b in new_card["button_list"]] == ["已收到 ✓"]
    assert new_card["task_id"] == push.body["template_card"]["task_id"]
    acked = [r.person_id for r in recipients(engine, notice_id) if r.acknowledged_at]
    assert acked == [member.id]


async def test_a_click_handled_after_five_seconds_gets_a_new_message(aibot, engine):
    cast = notice_cast(engine)
    member = cast.members[0]
    roster_account(engine, member.id, "member1")
    talker = aibot.member("member1")
    await talker.say("/whoami")
    await leader_sends(aibot.app, cast, "7302")
    await deliver(aibot)
    await talker.tap("收到", late=6)
    assert aibot.server.refused == [("aibot_respond_update_msg", WINDOW_PASSED)]
    follow_up = talker.sent()[-1]  # WeCom said too late: the new state comes as a new card
    assert follow_up.cmd == "aibot_respond_msg"
    assert "已收到 ✓" in [b["text"] for b in follow_up.body["template_card"]["button_list"]]


async def test_a_forged_card_key_is_refused_politely(aibot, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    member = aibot.member("liulei")
    await member.say("/whoami")
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        case_id = make_case(session, aibot.app.services.clock.utcnow(), reporter=reporter,
                            group=group).id
    answer = joined(await member.press(f"c:acc:{case_id}"))
    assert answer == aibot.app.services.catalogs.translator("zh_CN")("common.not_allowed")
    assert the_case(engine, case_id).status == CaseStatus.SUBMITTED


async def test_staff_list_who_has_not_written_and_a_hello_releases_held_pushes(aibot, engine):
    cast = notice_cast(engine)
    with unit_of_work(engine) as session:
        staff = session.exec(select(Person).where(Person.phone == DEMO_STAFF_PHONE)).one()
        silent_before = len(not_yet_written(session))
    roster_account(engine, staff.id, "staff")
    member = cast.members[0]
    roster_account(engine, member.id, "member1")
    office = aibot.member("staff")
    await office.say("/whoami")
    await leader_sends(aibot.app, cast, "7303")
    await deliver(aibot)
    assert aibot.member("member1").sent() == []  # never wrote: WeCom would refuse a push

    listing = joined(await office.say("/notwritten"))
    assert f"还有 {silent_before - 1} 人没给智能机器人发过消息" in listing
    assert f"{member.name}" in listing and "1 条推送等待" in listing

    await aibot.member("member1").say("你好")  # bound from the roster; the notice is due now
    await deliver(aibot)
    pushes = [s for s in aibot.member("member1").sent() if s.cmd == "aibot_send_msg"]
    assert len(pushes) == 1
    assert member.name not in joined(await office.say("/notwritten"))


async def test_a_delegate_may_not_list_who_has_not_written(aibot, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    answer = joined(await aibot.member("liulei").say("/notwritten"))
    assert "还有" not in answer and "智能机器人发过消息" not in answer


def test_the_office_lists_who_has_not_written_from_the_command_line(settings, engine, demo,
                                                                     monkeypatch):
    from typer.testing import CliRunner

    from bot.__main__ import cli
    person = a_delegate(engine)
    monkeypatch.setenv("LIANDONG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LIANDONG_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(cli, ["users", "not-written"])
    assert result.exit_code == 0, result.output
    assert "没给智能机器人发过消息" in result.output and person.name in result.output


async def test_an_export_reply_arrives_as_an_uploaded_file(aibot, engine):
    with unit_of_work(engine) as session:
        staff = session.exec(select(Person).where(Person.phone == DEMO_STAFF_PHONE)).one()
    roster_account(engine, staff.id, "staff")
    office = aibot.member("staff")
    assert "已导出" in joined(await office.say("/export"))
    reply, sent_file = office.sent()
    assert (reply.cmd, sent_file.cmd, sent_file.body["msgtype"]) == (
        "aibot_respond_msg", "aibot_send_msg", "file")
    workbook = aibot.server.uploaded(sent_file.body["file"]["media_id"])
    assert workbook[:2] == b"PK"  # an .xlsx is a zip
    assert not list(aibot.app.settings.data_dir.rglob("*.xlsx"))  # sent: not kept on our disk
