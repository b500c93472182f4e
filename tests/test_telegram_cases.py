"""Cases over the real Telegram channel (PTB Application polling the fake Bot API on loopback).

Mirrors tests/test_case_lifecycle.py, but every actor is a Telegram user, every button press is a
callback_query carrying the payload the bot really sent, photos are downloaded through getFile,
and pushes to other people go out through the outbox and the DeliveryWorker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from sqlmodel import func, select

from bot.delivery import DeliveryWorker
from storage.case_models import Case, CaseMedia, CaseStatus
from storage.db import unit_of_work
from storage.demo import DEMO_STAFF_PHONE
from storage.models import Area, Conversation, Department, Invite, Person
from tests.factories import demo_reporter, leader_of, liaison_of, make_case
from tests.fake_bot_api import Call, FakeBotApi
from tests.images import jpeg_bytes

REPORTER, LEADER, STAFF, LIAISON = 7001, 7002, 7003, 7004
DESCRIPTION = "青禾大道东段路灯连续两周不亮，夜间行人安全隐患大"
LATITUDE, LONGITUDE = 28.1941, 112.9823


@pytest.fixture
def cast(engine, demo):
    """The people of the walkthrough and the labels their buttons will carry."""
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        leader = leader_of(session, group)
        staff = session.exec(select(Person).where(Person.phone == DEMO_STAFF_PHONE)).one()
        department = session.exec(select(Department).order_by(Department.id)).first()
        liaison = liaison_of(session, department)
        area = session.get(Area, group.area_id)
        people = {REPORTER: reporter, LEADER: leader, STAFF: staff, LIAISON: liaison}
        info = {"area": area.name_zh, "department": department.name,
                "township": reporter.township}
    return people, info


# --- helpers ------------------------------------------------------------------------------

def sent_to(api: FakeBotApi, chat_id: int) -> list[Call]:
    """sendMessage calls that reached `chat_id`, in order."""
    return [call for call in api.calls_to("sendMessage")
            if call.status == 200 and str(call.params.get("chat_id")) == str(chat_id)]


async def exchange(api: FakeBotApi, user_id: int, act: Callable[[], object],
                   replies: int = 1) -> list[Call]:
    """Do `act` (queue an update) and wait for `replies` new messages to `user_id`."""
    before = len(sent_to(api, user_id))
    act()
    await api.wait_for(lambda: len(sent_to(api, user_id)) >= before + replies)
    return sent_to(api, user_id)[before:]


def text_of(calls: list[Call]) -> str:
    """All texts of these messages."""
    return "\n".join(call.params["text"] for call in calls)


def buttons_of(calls: list[Call]) -> list[dict]:
    """Every inline button (text, callback_data) of these messages."""
    return [button for call in calls
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row]


def payload(calls: list[Call], label: str | None = None, prefix: str | None = None) -> str:
    """The callback_data of the button with this label (or whose data has this prefix)."""
    for button in buttons_of(calls):
        if button["text"] == label or (prefix and button["callback_data"].startswith(prefix)):
            return button["callback_data"]
    raise AssertionError(f"no button {label or prefix!r} in {buttons_of(calls)}")


async def say(api, user_id: int, text: str, replies: int = 1) -> list[Call]:
    """Send a text message."""
    return await exchange(api, user_id, lambda: api.user_message(user_id, text), replies)


async def press(api, user_id: int, data: str, replies: int = 1) -> list[Call]:
    """Press a button (a callback query with this data)."""
    return await exchange(api, user_id, lambda: api.callback(user_id, data), replies)


async def send_photo(api, user_id: int, data: bytes, replies: int = 1) -> tuple[str, list[Call]]:
    """Send a Telegram photo; returns the file_id of its largest size and the replies."""
    update = api.photo_update(user_id, data)
    file_id = update["message"]["photo"][-1]["file_id"]
    return file_id, await exchange(api, user_id, lambda: api.push_update(update), replies)


async def bind(api, engine, user_id: int, person: Person) -> None:
    """/start <the person's invite code> from this Telegram user."""
    with unit_of_work(engine) as session:
        code = session.exec(select(Invite.code).where(Invite.person_id == person.id)
                            .order_by(Invite.created_at)).first()
    assert person.name in text_of(await say(api, user_id, f"/start {code}"))


async def deliver(api, channel, clock) -> int:
    """Run one round of the outbox delivery through the Telegram channel."""
    return await DeliveryWorker(channel.app.engine, [channel], clock).run_once()


def downloaded(api, file_id: str) -> bool:
    """True when the bot asked getFile for `file_id` and fetched the file."""
    return (any(c.params.get("file_id") == file_id for c in api.calls_to("getFile"))
            and any(c.params["file_path"] == f"photos/{file_id}" for c in api.calls_to("file")))


def the_case(engine, case_id: int | None = None) -> Case:
    """The (only, or given) case, detached."""
    with unit_of_work(engine) as session:
        case = session.get(Case, case_id) if case_id else session.exec(select(Case)).one()
        session.expunge(case)
        return case


def case_count(engine) -> int:
    """How many cases exist."""
    with unit_of_work(engine) as session:
        return session.exec(select(func.count()).select_from(Case)).one()


def conversation(engine, person_id: int) -> tuple[str, str, dict] | None:
    """(flow, state, data) of the person's open conversation."""
    with unit_of_work(engine) as session:
        row = session.get(Conversation, person_id)
        return (row.flow, row.state, dict(row.data)) if row else None


def zh(channel):
    """The Chinese catalog."""
    return channel.app.services.catalogs.translator("zh_CN")


async def to_photos_step(api, user_id: int, area: str) -> None:
    """/report, press the area button the bot sent, describe: the draft waits for photos."""
    asked = await say(api, user_id, "/report")
    assert "第1步" in text_of(asked)
    assert "第2步" in text_of(await press(api, user_id, payload(asked, area)))
    assert "第3步" in text_of(await say(api, user_id, DESCRIPTION))


async def to_preview(api, user_id: int, area: str, township: str) -> list[Call]:
    """A draft without photos up to the preview; returns the preview message."""
    await to_photos_step(api, user_id, area)
    photos = sent_to(api, user_id)[-1:]
    location = await press(api, user_id, payload(photos, "完成"))
    township_prompt = await say(api, user_id, "青禾大道东段128号")
    assert "第5步" in text_of(township_prompt)
    preview = await press(api, user_id, payload(township_prompt, f"使用：{township}"))
    assert "请核对" in text_of(preview) and "第4步" in text_of(location)
    return preview


# --- 1. the whole life of a case ----------------------------------------------------------

async def test_case_walks_every_state_over_telegram(api, channel, cast, engine, clock):
    people, info = cast
    for user_id, person in people.items():
        await bind(api, engine, user_id, person)
    reporter_id = people[REPORTER].id
    media_dir = channel.app.settings.media_dir

    # the reporter: /report → area button → description → photo → Done → location → township
    asked = await say(api, REPORTER, "/report")
    area_data = payload(asked, info["area"])
    assert area_data.startswith("f:report:area:")
    assert "第2步" in text_of(await press(api, REPORTER, area_data))
    assert "第3步" in text_of(await say(api, REPORTER, DESCRIPTION))
    assert conversation(engine, reporter_id)[:2] == ("report", "photos")

    photo = jpeg_bytes()
    file_id, replies = await send_photo(api, REPORTER, photo)
    assert "1/9" in text_of(replies)
    assert downloaded(api, file_id)
    digest = hashlib.sha256(photo).hexdigest()
    assert conversation(engine, reporter_id)[2]["photos"] == [[digest, "jpg"]]
    stored = media_dir / digest[:2] / digest[2:4] / f"{digest}.jpg"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest

    asked = await press(api, REPORTER, payload(replies, "完成"))
    assert "第4步" in text_of(asked)
    asked = await exchange(api, REPORTER,
                           lambda: api.location_message(REPORTER, LATITUDE, LONGITUDE))
    assert "第5步" in text_of(asked)
    draft = conversation(engine, reporter_id)
    assert draft[1] == "township" and (draft[2]["latitude"], draft[2]["longitude"]) == (
        LATITUDE, LONGITUDE)
    preview = await press(api, REPORTER, payload(asked, f"使用：{info['township']}"))
    assert "请核对" in text_of(preview) and DESCRIPTION in text_of(preview)
    assert case_count(engine) == 0
    receipt = text_of(await press(api, REPORTER, payload(preview, "提交")))
    assert "已提交" in receipt
    case = the_case(engine)
    assert case.status == CaseStatus.SUBMITTED and case.number in receipt
    assert (case.latitude, case.longitude, case.township) == (LATITUDE, LONGITUDE,
                                                              info["township"])
    assert conversation(engine, reporter_id) is None
    with unit_of_work(engine) as session:
        media = session.exec(select(CaseMedia).where(CaseMedia.case_id == case.id)).all()
        assert [(m.sha256, m.kind) for m in media] == [(digest, "photo")]

    # the squad leader gets the push with Accept / Reject / Merge and accepts
    before = len(sent_to(api, LEADER))
    assert await deliver(api, channel, clock) >= 1
    push = sent_to(api, LEADER)[before:]
    assert case.number in text_of(push)
    accept = payload(push, prefix="c:acc:")
    assert accept == f"c:acc:{case.id}"
    assert "已受理" in text_of(await press(api, LEADER, accept))
    assert the_case(engine, case.id).status == CaseStatus.ACCEPTED

    # staff: the push's Assign button → department → deadline → confirm
    before = len(sent_to(api, STAFF))
    await deliver(api, channel, clock)
    asked = await press(api, STAFF, payload(sent_to(api, STAFF)[before:], prefix="c:asg:"))
    asked = await press(api, STAFF, payload(asked, info["department"]))
    deadline_buttons = buttons_of(asked)
    assert deadline_buttons and all(b["callback_data"].startswith("f:assign:deadline:")
                                    for b in deadline_buttons)
    asked = await press(api, STAFF, deadline_buttons[0]["callback_data"])
    assert "请确认" in text_of(asked)
    assert the_case(engine, case.id).status == CaseStatus.ACCEPTED
    assert "已交办" in text_of(await press(api, STAFF, payload(asked, "确认")))
    assigned = the_case(engine, case.id)
    assert assigned.status == CaseStatus.ASSIGNED and assigned.deadline is not None
    assert assigned.department_id is not None

    # the liaison: acknowledge (from the push), progress, then a fix refused without a photo
    before = len(sent_to(api, LIAISON))
    await deliver(api, channel, clock)
    acknowledged = await press(api, LIAISON,
                               payload(sent_to(api, LIAISON)[before:], prefix="c:ack:"))
    assert the_case(engine, case.id).status == CaseStatus.ACKNOWLEDGED
    asked = await press(api, LIAISON, payload(acknowledged, prefix="c:upd:"))
    asked = await say(api, LIAISON, "已联系供电所，正在更换线路")
    assert "进展已报送" in text_of(await press(api, LIAISON, payload(asked, "完成")))
    progressed = the_case(engine, case.id)
    assert progressed.status == CaseStatus.IN_PROGRESS
    assert progressed.progress_note == "已联系供电所，正在更换线路"

    await press(api, LIAISON, payload(acknowledged, prefix="c:fix:"))
    asked = await say(api, LIAISON, "已更换全部灯具")
    refused = await press(api, LIAISON, payload(asked, "完成"), replies=2)
    assert refused[0].params["text"] == zh(channel)("casenote.evidence_required")
    assert the_case(engine, case.id).status == CaseStatus.IN_PROGRESS
    evidence = jpeg_bytes((20, 200, 20))
    evidence_id, asked = await send_photo(api, LIAISON, evidence)
    assert downloaded(api, evidence_id) and "1/9" in text_of(asked)
    assert "整改完成" in text_of(await press(api, LIAISON, payload(asked, "完成")))
    assert the_case(engine, case.id).status == CaseStatus.RECTIFIED

    # the reporter is not satisfied: the case goes back to the department
    before = len(sent_to(api, REPORTER))
    await deliver(api, channel, clock)
    verdict = [c for c in sent_to(api, REPORTER)[before:] if "整改完成" in c.params["text"]]
    assert "哪里不满意" in text_of(await press(api, REPORTER, payload(verdict, "不满意")))
    assert "已退回" in text_of(await say(api, REPORTER, "东段仍有三盏路灯不亮"))
    reopened = the_case(engine, case.id)
    assert reopened.status == CaseStatus.IN_PROGRESS and reopened.reopen_count == 1

    # the liaison fixes it again (from the "reopened" push), the reporter is satisfied
    before = len(sent_to(api, LIAISON))
    await deliver(api, channel, clock)
    reopened_push = [c for c in sent_to(api, LIAISON)[before:] if "退回" in c.params["text"]]
    await press(api, LIAISON, payload(reopened_push, prefix="c:fix:"))
    await say(api, LIAISON, "已再次检修并加装定时器")
    second_id, asked = await send_photo(api, LIAISON, jpeg_bytes((20, 20, 200)))
    assert downloaded(api, second_id)
    await press(api, LIAISON, payload(asked, "完成"))
    assert the_case(engine, case.id).status == CaseStatus.RECTIFIED

    before = len(sent_to(api, REPORTER))
    await deliver(api, channel, clock)
    verdict = [c for c in sent_to(api, REPORTER)[before:] if "整改完成" in c.params["text"]]
    assert "已销号" in text_of(await press(api, REPORTER, payload(verdict, "满意")))
    closed = the_case(engine, case.id)
    assert closed.status == CaseStatus.CLOSED and closed.satisfaction == "satisfied"
    assert closed.closed_at is not None and closed.reopen_count == 1

    # the closing pushes reach the leader and the liaison too
    leader_before, liaison_before = len(sent_to(api, LEADER)), len(sent_to(api, LIAISON))
    await deliver(api, channel, clock)
    assert "已销号" in text_of(sent_to(api, LEADER)[leader_before:])
    assert "已销号" in text_of(sent_to(api, LIAISON)[liaison_before:])
    with unit_of_work(engine) as session:
        kinds = sorted(m.kind for m in session.exec(
            select(CaseMedia).where(CaseMedia.case_id == case.id)))
    assert kinds == ["evidence", "evidence", "photo"]
    assert api.calls_to("answerCallbackQuery"), "button presses are answered"


# --- 2. photos Telegram users may send that are refused ------------------------------------

async def test_bad_photos_are_refused_over_telegram(api, channel, cast, engine):
    people, info = cast
    await bind(api, engine, REPORTER, people[REPORTER])
    await to_photos_step(api, REPORTER, info["area"])
    t, person_id = zh(channel), people[REPORTER].id
    media_dir = channel.app.settings.media_dir

    def stored() -> list:
        return sorted(path for path in media_dir.rglob("*") if path.is_file())

    # a PDF sent as a file: refused by its MIME type, never downloaded
    pdf = api.document_update(REPORTER, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
                              "application/pdf", "report.pdf")
    replies = await exchange(api, REPORTER, lambda: api.push_update(pdf), replies=2)
    assert replies[0].params["text"] == t("photos.not_image")
    assert "0/9" in replies[1].params["text"]
    assert not downloaded(api, pdf["message"]["document"]["file_id"])
    assert conversation(engine, person_id)[:2] == ("report", "photos")

    # an image file whose declared size is over the limit: refused before any download
    limit = channel.app.settings.max_photo_bytes
    big = api.document_update(REPORTER, jpeg_bytes(), "image/jpeg", "huge.jpg",
                              file_size=limit + 1)
    big_id = big["message"]["document"]["file_id"]
    replies = await exchange(api, REPORTER, lambda: api.push_update(big), replies=2)
    assert replies[0].params["text"] == t("photos.too_large")
    assert not any(c.params.get("file_id") == big_id for c in api.calls_to("getFile"))
    assert not any(c.params["file_path"].endswith(big_id) for c in api.calls_to("file"))
    assert conversation(engine, person_id)[:2] == ("report", "photos")

    # a "photo" whose bytes only start like a JPEG: downloaded, then refused by Pillow
    fake_id, replies = await send_photo(api, REPORTER, b"\xff\xd8\xff\xe0" + b"not a jpeg" * 50,
                                        replies=2)
    assert downloaded(api, fake_id)
    assert replies[0].params["text"] == t("photos.not_image")
    flow, state, data = conversation(engine, person_id)
    assert (flow, state, data["photos"]) == ("report", "photos", [])
    assert stored() == []

    # the draft still takes a real photo, then moves on
    good_id, replies = await send_photo(api, REPORTER, jpeg_bytes())
    assert downloaded(api, good_id) and "1/9" in text_of(replies)
    assert len(stored()) == 1
    assert "第4步" in text_of(await press(api, REPORTER, payload(replies, "完成")))
    assert conversation(engine, person_id)[1] == "location"


# --- 3. a double tap on Submit --------------------------------------------------------------

async def test_double_submit_creates_one_case(api, channel, cast, engine):
    people, info = cast
    await bind(api, engine, REPORTER, people[REPORTER])
    preview = await to_preview(api, REPORTER, info["area"], info["township"])
    submit = payload(preview, "提交")

    def twice() -> None:
        api.callback(REPORTER, submit)
        api.callback(REPORTER, submit)

    first, second = await exchange(api, REPORTER, twice, replies=2)
    assert "已提交" in first.params["text"]
    assert second.params["text"] == zh(channel)("common.button_expired")
    assert case_count(engine) == 1
    assert the_case(engine).number in first.params["text"]
    assert conversation(engine, people[REPORTER].id) is None
    answered = {c.params["callback_query_id"] for c in api.calls_to("answerCallbackQuery")}
    assert len({i for i in answered if i.startswith(f"cbq-{REPORTER}")}) >= 2


async def test_an_export_is_sent_as_a_document_and_then_removed(api, channel, engine, cast):
    people, _ = cast
    with unit_of_work(engine) as session:
        code = session.exec(select(Invite.code).where(
            Invite.person_id == people[STAFF].id)).first()
    await exchange(api, STAFF, lambda: api.user_message(STAFF, f"/start {code}"))
    exports = channel.app.settings.data_dir / "exports"
    await exchange(api, STAFF, lambda: api.user_message(STAFF, "/export"))
    documents = await api.wait_for(lambda: api.calls_to("sendDocument"))
    assert documents[0].params["document"]["filename"].startswith("问题清单-")
    assert documents[0].params["document"]["content"][:2] == b"PK"  # an XLSX (a zip)
    await api.wait_for(lambda: not list(exports.glob("*.xlsx")))


async def test_case_photos_go_with_a_caption_saying_what_they_show(api, channel, engine,
                                                                   clock, cast):
    people, _ = cast
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group)
        stored = channel.app.services.media.put_image(jpeg_bytes((9, 99, 9)))
        session.add(CaseMedia(case_id=case.id, sha256=stored.sha256, ext="jpg", kind="photo",
                              added_by_id=reporter.id, added_at=clock.utcnow()))
        code = session.exec(select(Invite.code).where(
            Invite.person_id == people[STAFF].id)).first()
    await exchange(api, STAFF, lambda: api.user_message(STAFF, f"/start {code}"))
    api.user_message(STAFF, f"/case {case.number}")
    photos = await api.wait_for(lambda: api.calls_to("sendPhoto"))
    assert photos[0].params["caption"] == f"{case.number} 现场照片（1/1）"
