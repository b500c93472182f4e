"""The landed dialogs over the real WeCom channel: every action a signed, encrypted callback,
every answer a message/send (buttons as template cards), pushes through the outbox worker.
"""

from __future__ import annotations

import hashlib

from sqlmodel import select

from storage.case_models import Case, CaseMedia, CaseStatus
from storage.db import unit_of_work
from storage.demo import DEMO_STAFF_PHONE
from storage.models import Area, ChannelIdentity, Department, Person
from tests.factories import demo_reporter, leader_of, liaison_of, make_case
from tests.given import a_delegate, invite_code
from tests.images import jpeg_bytes
from tests.notice_support import leader_sends, notice_cast, recipients
from tests.test_telegram_cases import DESCRIPTION, LATITUDE, LONGITUDE, the_case
from tests.wecom_support import deliver, joined, roster_account


async def test_a_roster_account_is_bound_without_an_invite(wecom, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    answer = joined(await wecom.member("liulei").say("/whoami"))
    assert person.name in answer
    with unit_of_work(engine) as session:
        bound = session.exec(select(ChannelIdentity).where(
            ChannelIdentity.channel == "wecom")).one()
        assert (bound.external_id, bound.person_id) == ("liulei", person.id)


async def test_a_member_outside_the_roster_binds_with_an_invite_code(wecom, engine):
    person = a_delegate(engine)
    stranger = wecom.member("zhangsan")
    assert person.name not in joined(await stranger.say("/whoami"))
    assert person.name in joined(await stranger.say(f"/start {invite_code(engine, person.id)}"))
    assert person.name in joined(await stranger.say("/whoami"))


async def test_entering_the_app_and_a_menu_click_reach_the_commands(wecom, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    member = wecom.member("liulei")
    before = len(wecom.api.to("liulei"))
    await member.deliver("<MsgType>event</MsgType><Event>enter_agent</Event><EventKey></EventKey>",
                         msg_id=False)
    assert person.name in joined(wecom.api.texts("liulei")[before:])
    before = len(wecom.api.to("liulei"))
    await member.deliver("<MsgType>event</MsgType><Event>click</Event>"
                         "<EventKey>/report</EventKey>", msg_id=False)
    assert "第1步" in joined(wecom.api.texts("liulei")[before:])


async def test_a_case_from_report_to_closing_over_wecom(wecom, engine):
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
    rep, lead, office, liaison_member = (wecom.member(u) for u in
                                         ("rep", "lead", "staff", "liaison"))
    for member in (rep, lead, office, liaison_member):  # bound from the roster as they write
        await member.say("/whoami")

    # the reporter: /report → area card → description → photo → 完成 → location → township
    assert "第1步" in joined(await rep.say("/report"))
    assert "第2步" in joined(await rep.tap(area))
    assert "第3步" in joined(await rep.say(DESCRIPTION))
    photo = jpeg_bytes()
    assert "1/9" in joined(await rep.photo(photo))
    digest = hashlib.sha256(photo).hexdigest()
    assert "第4步" in joined(await rep.tap("完成"))
    assert "第5步" in joined(await rep.location(LATITUDE, LONGITUDE))
    preview = joined(await rep.tap(f"使用：{township}"))
    assert "请核对" in preview and DESCRIPTION in preview
    assert "已提交" in joined(await rep.tap("提交"))
    case = the_case(engine)
    assert (case.status, case.latitude, case.longitude) == (CaseStatus.SUBMITTED, LATITUDE,
                                                            LONGITUDE)
    with unit_of_work(engine) as session:
        media = session.exec(select(CaseMedia).where(CaseMedia.case_id == case.id)).all()
        assert [(m.sha256, m.kind) for m in media] == [(digest, "photo")]

    # the squad leader's push is a card; 受理 from it
    assert await deliver(wecom) >= 1
    assert case.number in joined(wecom.api.texts("lead"))
    assert "已受理" in joined(await lead.tap(prefix="c:acc:"))
    assert the_case(engine, case.id).status == CaseStatus.ACCEPTED

    # staff assign from the push: department, a deadline (more than 6 buttons: several cards)
    await deliver(wecom)
    await office.tap(prefix="c:asg:")
    await office.tap(department_name)
    deadline_key, code = office.card_key(prefix="f:assign:deadline:")
    assert "请确认" in joined(await office.press(deadline_key, code))
    assert "已交办" in joined(await office.tap("确认"))
    assert the_case(engine, case.id).status == CaseStatus.ASSIGNED

    # the liaison acknowledges and reports the fix with an evidence photo
    await deliver(wecom)
    await liaison_member.tap(prefix="c:ack:")
    assert the_case(engine, case.id).status == CaseStatus.ACKNOWLEDGED
    await liaison_member.tap(prefix="c:fix:")
    await liaison_member.say("已更换全部灯具")
    assert "1/9" in joined(await liaison_member.photo(jpeg_bytes((20, 200, 20))))
    assert "整改完成" in joined(await liaison_member.tap("完成"))
    assert the_case(engine, case.id).status == CaseStatus.RECTIFIED

    # the reporter is satisfied: closed out
    await deliver(wecom)
    assert "已销号" in joined(await rep.tap("满意"))
    assert the_case(engine, case.id).status == CaseStatus.CLOSED
    assert isinstance(the_case(engine, case.id), Case)


async def test_acknowledging_a_notice_updates_its_card_in_place(wecom, engine):
    cast = notice_cast(engine)
    member = cast.members[0]
    roster_account(engine, member.id, "member1")
    await wecom.member("member1").say("/whoami")  # bound from the roster
    _, notice_id = await leader_sends(wecom.app, cast, "7301")
    await deliver(wecom)
    cards = [s for s in wecom.api.to("member1") if s.msgtype == "template_card"]
    assert [b["text"] for b in cards[-1].body["button_list"]] == ["收到"]

    before = len(wecom.api.to("member1"))
    await wecom.member("member1").tap("收到")
    [update] = wecom.api.updates
    new_card = update["template_card"]  # the notice fits a card: the card is replaced
    assert [b["text"] for b in new_card["button_list"]] == ["已收到 ✓"]
    assert new_card["main_title"] == cards[-1].body["main_title"]
    assert update["userids"] == ["member1"] and update["response_code"] == cards[-1].response_code
    assert len(wecom.api.to("member1")) == before  # edited in place, nothing sent anew
    acked = [r.person_id for r in recipients(engine, notice_id) if r.acknowledged_at]
    assert acked == [member.id]


async def test_a_forged_card_key_is_refused_politely(wecom, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    member = wecom.member("liulei")
    await member.say("/whoami")
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        case_id = make_case(session, wecom.app.services.clock.utcnow(), reporter=reporter,
                            group=group).id
    answer = joined(await member.press(f"c:acc:{case_id}"))  # a plain delegate: not theirs
    assert answer == wecom.app.services.catalogs.translator("zh_CN")("common.not_allowed")
    assert the_case(engine, case_id).status == CaseStatus.SUBMITTED


async def test_the_menu_is_published_in_the_deployment_language(wecom):
    from bot.channels.wecom_menu import publish_menu
    english = wecom.app.settings.model_copy(update={"locale": "en"})
    line = await publish_menu(english, wecom.app.services.catalogs)
    assert line == "menu published for app 1000002"
    assert wecom.api.menus[-1]["button"][0]["name"] == "Report"


async def test_a_deactivated_roster_account_is_not_bound(wecom, engine):
    person = a_delegate(engine)
    roster_account(engine, person.id, "liulei")
    with unit_of_work(engine) as session:
        row = session.get(Person, person.id)
        row.active = False
        session.add(row)
    assert person.name not in joined(await wecom.member("liulei").say("/whoami"))
    with unit_of_work(engine) as session:
        assert session.exec(select(ChannelIdentity).where(
            ChannelIdentity.channel == "wecom")).first() is None


async def test_an_export_goes_as_an_uploaded_file_and_is_then_removed(wecom, engine):
    from tests.given import the_staff
    roster_account(engine, the_staff(engine).id, "office")
    await wecom.member("office").say("/export")
    [sent] = [s for s in wecom.api.to("office") if s.msgtype == "file"]
    filename, data = wecom.api.media[sent.body["media_id"]]
    assert filename.endswith(".xlsx") and data.startswith(b"PK\x03\x04")
    assert not list((wecom.app.settings.data_dir / "exports").glob("*.xlsx"))


async def test_a_leader_attaches_a_pdf_sent_as_a_wecom_file(wecom, engine):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    cast = notice_cast(engine)
    roster_account(engine, cast.leader.id, "leader")
    leader = wecom.member("leader")
    await leader.say("/notify")
    await leader.say("本周五上午9点召开专题会，会议材料见附件。")
    media_id = wecom.api.add_media(pdf, "会议材料.pdf")
    before = len(wecom.api.to("leader"))
    await leader.deliver(f"<MsgType>file</MsgType><MediaId>{media_id}</MediaId>"
                         "<FileName>会议材料.pdf</FileName>")
    assert "已收到 1/9 个" in joined(wecom.api.texts("leader")[before:])
    assert list(wecom.app.services.media.root.rglob("*.pdf"))
