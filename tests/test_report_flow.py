"""`/report` step by step: refusals keep the draft, photos, restarts, double submit, 联动."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from sqlmodel import select

from bot.app import build_app
from bot.core.types import EventKind, MediaRef
from storage import cases
from storage.case_models import Case, CaseMedia, CaseStatus
from storage.db import unit_of_work
from storage.models import Area, Group, Membership, OutboxMessage, Person
from tests.factories import demo_reporter, leader_of
from tests.given import bound, conversation_of, count
from tests.images import jpeg_bytes
from tests.report_steps import number_in, submit_new, to_description, to_preview
from tests.support import Dialog

LAMPS = "青禾大道东段路灯连续两周不亮，夜间行人安全隐患大"
LAMPS_AGAIN = "青禾大道东段的路灯已经两周不亮了，晚上走路很危险"  # similar to LAMPS (partial ≥ 60)
DRAIN = "村口小学门前排水沟堵塞，雨后积水严重影响学生上学"  # unlike LAMPS
MARKET = "菜市场后面垃圾桶满溢无人清运，气味很大"  # unlike both

# Whole catalog texts (zh_CN) the flow answers with.
TEXT_EXPECTED = "这一步需要文字描述（也可以附一条语音）。"
PHOTO_EXPECTED = "这一步请发送照片，或选择“完成”。"
NOT_IMAGE = "这不是图片文件，没有收下。请发送照片。"
TOO_LARGE = "照片太大了（单张不超过10MB），这张没有收下。请压缩后重新发送。"
TOO_MANY = "最多 9 张照片，多出的没有收下。"
VOICE_KEPT = "语音已保存。请再用文字简要描述问题，方便分拣和统计。"
BUTTON_EXPIRED = "这个按钮已经失效（可能已经用过了）。请使用最新消息中的按钮。"
CANCELLED = "已取消，草稿已删除。"
SIMILAR = "发现以下未办结的问题可能与您反映的是同一问题"

LAT, LON = 28.20000, 112.90000
HUNDRED_METRES_NORTH = LAT + 0.0009  # ≈ 100 m
ONE_KM_NORTH = LAT + 0.009  # ≈ 1 km


@dataclass
class Cast:
    """The people of these tests (loaded from the demo county) and their area and township."""

    reporter: Person
    second: Person  # another ordinary member of the reporter's squad
    leader: Person
    group: Group
    area: str
    township: str


@pytest.fixture
def cast(app, demo) -> Cast:
    with unit_of_work(app.engine) as session:
        reporter, group = demo_reporter(session)
        leader = leader_of(session, group)
        second = session.exec(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == group.id, Membership.is_leader.is_(False),
                   Person.id != reporter.id).order_by(Person.id)).first()
        area = session.get(Area, group.area_id)
        return Cast(reporter, second, leader, group, area.name_zh, reporter.township)


def _refusing_fetch(calls: list[str]):
    async def fetch() -> bytes:
        calls.append("fetched")
        raise AssertionError("fetch must not be called for a file refused by its metadata")
    return fetch


def _fetch_of(data: bytes):
    async def fetch() -> bytes:
        return data
    return fetch


def _draft(app, person: Person) -> dict:
    conversation = conversation_of(app.engine, person.id)
    assert conversation is not None and conversation.flow == "report"
    return {"state": conversation.state, **conversation.data}


def _case(app, number: str) -> Case:
    with unit_of_work(app.engine) as session:
        return session.exec(select(Case).where(Case.number == number)).one()


def _media(app, case_id: int) -> list[CaseMedia]:
    with unit_of_work(app.engine) as session:
        return list(session.exec(select(CaseMedia).where(CaseMedia.case_id == case_id)
                                 .order_by(CaseMedia.id)).all())


def _reporter_ids(app, case_id: int) -> list[int]:
    with unit_of_work(app.engine) as session:
        return [p.id for p in cases.reporters(session, case_id)]


def _push(app, key: str) -> OutboxMessage | None:
    with unit_of_work(app.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()


# --- the description step ------------------------------------------------------------------


async def test_description_length_is_checked_and_the_flow_stays(app, cast):
    dialog = await bound(app, cast.reporter, "7001")
    await to_description(dialog, cast.area)

    await dialog.send("路灯不亮")
    assert "描述需要 10–2000 个字，您输入了 4 个字。" in dialog.text
    assert "第2步" in dialog.text
    await dialog.send("坏" * 2001)
    assert "描述需要 10–2000 个字，您输入了 2001 个字。" in dialog.text
    draft = _draft(app, cast.reporter)
    assert draft["state"] == "description" and "description" not in draft

    await dialog.send("坏" * 2000)  # exactly the maximum is fine
    assert "第3步" in dialog.text
    assert _draft(app, cast.reporter)["description"] == "坏" * 2000


async def test_sticker_or_photo_instead_of_the_description(app, cast):
    dialog = await bound(app, cast.reporter, "7002")
    await to_description(dialog, cast.area)

    await dialog.send_event(EventKind.UNSUPPORTED)
    assert TEXT_EXPECTED in dialog.text and "第2步" in dialog.text
    await dialog.send_photo(jpeg_bytes())
    assert TEXT_EXPECTED in dialog.text
    draft = _draft(app, cast.reporter)
    assert draft["state"] == "description" and draft["photos"] == []
    assert count(app.engine, CaseMedia) == 0

    await dialog.send(LAMPS)
    assert _draft(app, cast.reporter)["state"] == "photos"


async def test_a_voice_note_is_kept_with_the_case(app, cast, settings):
    voice = b"OggS\x00\x02" + bytes(range(256)) * 4
    dialog = await bound(app, cast.reporter, "7003")
    await to_description(dialog, cast.area)

    await dialog.send_event(EventKind.VOICE, media=(
        MediaRef("voice-1", len(voice), "audio/ogg", _fetch_of(voice)),))
    assert dialog.text == VOICE_KEPT  # kept, and still asks for the text
    assert _draft(app, cast.reporter)["state"] == "description"

    await dialog.send(LAMPS)
    await dialog.press("完成")
    await dialog.press("跳过")
    await dialog.press(f"使用：{cast.township}")
    assert "语音：已附" in dialog.text.splitlines()  # a line of its own, after 乡镇
    await dialog.press("提交")
    case = _case(app, number_in(dialog.text))

    sha = hashlib.sha256(voice).hexdigest()
    assert [(m.kind, m.sha256, m.ext) for m in _media(app, case.id)] == [("voice", sha, "ogg")]
    assert (settings.media_dir / sha[:2] / sha[2:4] / f"{sha}.ogg").read_bytes() == voice


# --- the photos step -----------------------------------------------------------------------


async def test_photos_are_checked_and_refusals_keep_the_earlier_ones(app, cast, settings):
    dialog = await bound(app, cast.reporter, "7004")
    await to_description(dialog, cast.area)
    await dialog.send(LAMPS)

    photo = jpeg_bytes()
    await dialog.send_photo(photo)
    assert "1/9" in dialog.text
    sha = hashlib.sha256(photo).hexdigest()
    stored = settings.media_dir / sha[:2] / sha[2:4] / f"{sha}.jpg"
    assert stored.read_bytes() == photo
    kept = [[sha, "jpg"]]
    assert _draft(app, cast.reporter)["photos"] == kept

    calls: list[str] = []
    pdf = b"%PDF-1.4\n" + b"0" * 100
    await dialog.send_event(EventKind.DOCUMENT, media=(
        MediaRef("doc-1", len(pdf), "application/pdf", _refusing_fetch(calls)),))
    assert NOT_IMAGE in dialog.text and "1/9" in dialog.text

    await dialog.send_event(EventKind.PHOTO, media=(
        MediaRef("big-1", settings.max_photo_bytes + 1, "image/jpeg", _refusing_fetch(calls)),))
    assert TOO_LARGE in dialog.text and "1/9" in dialog.text
    assert calls == []  # refused by its size, never downloaded

    await dialog.send_photo(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 300)
    assert NOT_IMAGE in dialog.text and "1/9" in dialog.text
    await dialog.send_photo(photo[: len(photo) // 2])  # a truncated JPEG
    assert NOT_IMAGE in dialog.text and "1/9" in dialog.text

    await dialog.send("照片稍后补")
    assert PHOTO_EXPECTED in dialog.text and "1/9" in dialog.text
    await dialog.send_location(LAT, LON)
    assert PHOTO_EXPECTED in dialog.text

    draft = _draft(app, cast.reporter)
    assert draft["state"] == "photos" and draft["photos"] == kept
    assert sorted(p.name for p in settings.media_dir.rglob("*") if p.is_file()) == [stored.name]


async def test_an_image_sent_as_a_document_is_accepted(app, cast):
    dialog = await bound(app, cast.reporter, "7005")
    await to_description(dialog, cast.area)
    await dialog.send(LAMPS)
    photo = jpeg_bytes((10, 120, 10))
    await dialog.send_event(EventKind.DOCUMENT, media=(
        MediaRef("doc-2", len(photo), "image/jpeg", _fetch_of(photo)),))
    assert "1/9" in dialog.text
    assert _draft(app, cast.reporter)["photos"] == [[hashlib.sha256(photo).hexdigest(), "jpg"]]


async def test_at_most_nine_photos(app, cast):
    dialog = await bound(app, cast.reporter, "7006")
    await to_description(dialog, cast.area)
    await dialog.send(LAMPS)
    for n in range(1, 10):
        await dialog.send_photo(jpeg_bytes((n * 20, 40, 40)))
        assert f"{n}/9" in dialog.text

    calls: list[str] = []
    await dialog.send_event(EventKind.PHOTO, media=(
        MediaRef("tenth", 1000, "image/jpeg", _refusing_fetch(calls)),))
    assert TOO_MANY in dialog.text and "9/9" in dialog.text and calls == []
    draft = _draft(app, cast.reporter)
    assert draft["state"] == "photos" and len(draft["photos"]) == 9

    await dialog.press("完成")
    await dialog.press("跳过")
    await dialog.press(f"使用：{cast.township}")
    assert "照片：9 张" in dialog.text
    await dialog.press("提交")
    case = _case(app, number_in(dialog.text))
    assert [m.kind for m in _media(app, case.id)] == ["photo"] * 9


async def test_an_album_beyond_the_limit_keeps_what_fits(app, cast):
    dialog = await bound(app, cast.reporter, "7007")
    await to_description(dialog, cast.area)
    await dialog.send(LAMPS)
    for n in range(1, 8):
        await dialog.send_photo(jpeg_bytes((n * 20, 90, 90)))
    album = [jpeg_bytes((250, n * 30, 0)) for n in range(3)]
    await dialog.send_event(EventKind.PHOTO, media=tuple(
        MediaRef(f"album-{n}", len(data), "image/jpeg", _fetch_of(data), group_id="g1")
        for n, data in enumerate(album)))
    assert TOO_MANY in dialog.text and "9/9" in dialog.text
    shas = [sha for sha, _ in _draft(app, cast.reporter)["photos"]]
    assert shas[-2:] == [hashlib.sha256(d).hexdigest() for d in album[:2]]


# --- location, township, preview ----------------------------------------------------------


async def test_a_shared_location_is_stored(app, cast):
    dialog = await bound(app, cast.reporter, "7008")
    await to_preview(dialog, cast.area, LAMPS, location=(LAT, LON))
    assert f"地点：{LAT:.5f}, {LON:.5f}" in dialog.text
    await dialog.press("提交")
    case = _case(app, number_in(dialog.text))
    assert (case.latitude, case.longitude, case.address) == (LAT, LON, None)
    assert case.township == cast.township and case.status == CaseStatus.SUBMITTED


async def test_a_typed_address_and_a_typed_township_are_stored(app, cast):
    dialog = await bound(app, cast.reporter, "7009")
    await to_preview(dialog, cast.area, LAMPS, address="青禾大道东段128号", township="柳溪乡")
    assert "地点：青禾大道东段128号" in dialog.text and "乡镇：柳溪乡" in dialog.text
    await dialog.press("提交")
    case = _case(app, number_in(dialog.text))
    assert case.address == "青禾大道东段128号" and case.latitude is None
    assert case.township == "柳溪乡"


async def test_the_location_can_be_skipped(app, cast):
    dialog = await bound(app, cast.reporter, "7010")
    await to_description(dialog, cast.area)
    await dialog.send(LAMPS)
    await dialog.press("完成")
    await dialog.send_photo(jpeg_bytes())  # a photo is not a place
    assert "请发送位置、输入地址，或选择“跳过”。" in dialog.text
    assert _draft(app, cast.reporter)["state"] == "location"
    await dialog.press("跳过")
    await dialog.press(f"使用：{cast.township}")
    assert "地点：—" in dialog.text
    await dialog.press("提交")
    case = _case(app, number_in(dialog.text))
    assert case.address is None and case.latitude is None and case.longitude is None


async def test_a_field_is_edited_from_the_preview(app, cast):
    dialog = await bound(app, cast.reporter, "7011")
    await to_preview(dialog, cast.area, LAMPS, photos=[jpeg_bytes()], address="青禾大道东段")
    before = _draft(app, cast.reporter)

    await dialog.press("改描述")
    assert "第2步" in dialog.text and _draft(app, cast.reporter)["state"] == "description"
    await dialog.send(MARKET)
    assert "请核对您反映的问题" in dialog.text  # straight back to the preview
    assert MARKET in dialog.text and LAMPS not in dialog.text
    assert "照片：1 张" in dialog.text and "地点：青禾大道东段" in dialog.text
    after = _draft(app, cast.reporter)
    assert after["state"] == "preview" and "editing" not in after
    assert {k: after[k] for k in ("area_id", "photos", "address", "township")} == \
        {k: before[k] for k in ("area_id", "photos", "address", "township")}

    await dialog.press("提交")
    case = _case(app, number_in(dialog.text))
    assert case.description == MARKET and case.address == "青禾大道东段"
    assert len(_media(app, case.id)) == 1


async def test_cancel_mid_flow_discards_the_draft(app, cast):
    dialog = await bound(app, cast.reporter, "7012")
    await to_description(dialog, cast.area)
    await dialog.send(LAMPS)
    await dialog.send_photo(jpeg_bytes())
    await dialog.send("/cancel")
    assert "放弃这份“问题反映”草稿？" in dialog.text and count(app.engine, Case) == 0
    await dialog.press("放弃草稿")
    assert CANCELLED in dialog.text
    assert conversation_of(app.engine, cast.reporter.id) is None
    assert count(app.engine, Case) == 0

    await dialog.send(MARKET)  # no flow any more: not taken as a description
    assert conversation_of(app.engine, cast.reporter.id) is None and count(app.engine, Case) == 0


async def test_cancel_button_on_the_preview(app, cast):
    dialog = await bound(app, cast.reporter, "7013")
    await to_preview(dialog, cast.area, LAMPS)
    submit, cancel = dialog.payload_of("提交"), dialog.payload_of("取消")
    await dialog.press(cancel)
    assert "放弃这份“问题反映”草稿？" in dialog.text
    await dialog.press("继续填写")  # kept: the preview's buttons still work
    assert conversation_of(app.engine, cast.reporter.id).state == "preview"
    await dialog.press(cancel)
    await dialog.press("放弃草稿")
    assert CANCELLED in dialog.text
    await dialog.press(submit)
    assert BUTTON_EXPIRED in dialog.text
    assert count(app.engine, Case) == 0 and conversation_of(app.engine, cast.reporter.id) is None


async def test_the_draft_survives_a_restart(app, cast, settings, engine, clock):
    dialog = await bound(app, cast.reporter, "7014")
    await to_description(dialog, cast.area)
    await dialog.send(LAMPS)
    photo = jpeg_bytes((1, 2, 3))
    await dialog.send_photo(photo)
    await dialog.press("完成")
    assert "第4步" in dialog.text

    restarted = build_app(settings, engine, clock)
    again = Dialog(restarted, user_id="7014")
    await again.send("青禾大道东段128号")
    assert "第5步" in again.text
    await again.press(f"使用：{cast.township}")
    assert LAMPS in again.text and "照片：1 张" in again.text
    await again.press("提交")
    case = _case(restarted, number_in(again.text))
    assert case.reporter_id == cast.reporter.id and case.address == "青禾大道东段128号"
    assert [m.sha256 for m in _media(restarted, case.id)] == [hashlib.sha256(photo).hexdigest()]
    assert conversation_of(engine, cast.reporter.id) is None


async def test_double_submit_makes_one_case(app, cast):
    dialog = await bound(app, cast.reporter, "7015")
    await to_preview(dialog, cast.area, LAMPS)
    submit = dialog.payload_of("提交")
    await dialog.press(submit)
    assert "✅ 已提交！问题编号 2026-0001。" in dialog.text
    await dialog.press(submit)
    assert BUTTON_EXPIRED in dialog.text
    assert count(app.engine, Case) == 1
    with unit_of_work(app.engine) as session:
        leader_pushes = session.exec(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.startswith("case:1:submitted:"))).all()
    assert [m.person_id for m in leader_pushes] == [cast.leader.id]


async def test_case_numbers_are_sequential_per_year(app, cast):
    dialog = await bound(app, cast.reporter, "7016")
    first = await submit_new(dialog, cast.area, LAMPS)
    second = await submit_new(dialog, cast.area, DRAIN)
    assert (first, second) == ("2026-0001", "2026-0002")
    with unit_of_work(app.engine) as session:
        rows = session.exec(select(Case.year, Case.seq).order_by(Case.id)).all()
    assert [tuple(r) for r in rows] == [(2026, 1), (2026, 2)]


# --- the same problem twice (联动) ---------------------------------------------------------


async def test_a_similar_report_joins_the_open_case(app, cast):
    first = await bound(app, cast.reporter, "7017")
    number = await submit_new(first, cast.area, LAMPS, photos=[jpeg_bytes((9, 9, 9))])
    case = _case(app, number)

    second = await bound(app, cast.second, "7018")
    await to_preview(second, cast.area, LAMPS_AGAIN, photos=[jpeg_bytes((90, 90, 90))],
                      township=cast.township)
    await second.press("提交")
    assert SIMILAR in second.text and number in second.text
    assert f"并入 {number}" in second.labels() and "作为新问题提交" in second.labels()
    await second.press(f"并入 {number}")
    assert f"已把您的反映并入问题 {number}，您已成为联名反映人。" in second.text

    assert count(app.engine, Case) == 1
    assert _reporter_ids(app, case.id) == [cast.reporter.id, cast.second.id]
    media = _media(app, case.id)
    assert [(m.kind, m.added_by_id) for m in media] == [
        ("photo", cast.reporter.id), ("photo", cast.second.id)]
    assert conversation_of(app.engine, cast.second.id) is None
    told = _push(app, f"case:{case.id}:co-report:{cast.second.id}:leader:{cast.leader.id}")
    assert told is not None and cast.second.name in told.payload["text"]


async def test_a_similar_report_can_be_submitted_as_new(app, cast):
    first = await bound(app, cast.reporter, "7019")
    number = await submit_new(first, cast.area, LAMPS)

    second = await bound(app, cast.second, "7020")
    await to_preview(second, cast.area, LAMPS_AGAIN, township=cast.township)
    await second.press("提交")
    assert f"并入 {number}" in second.labels()
    await second.press("作为新问题提交")
    assert "✅ 已提交！问题编号 2026-0002。" in second.text
    assert count(app.engine, Case) == 2
    assert _reporter_ids(app, _case(app, number).id) == [cast.reporter.id]
    assert _case(app, "2026-0002").reporter_id == cast.second.id


async def test_back_from_the_similar_prompt_returns_to_the_preview(app, cast):
    first = await bound(app, cast.reporter, "7021")
    await submit_new(first, cast.area, LAMPS)
    second = await bound(app, cast.second, "7022")
    await to_preview(second, cast.area, LAMPS_AGAIN, township=cast.township)
    await second.press("提交")
    await second.press("返回修改")
    assert "请核对您反映的问题" in second.text
    assert _draft(app, cast.second)["state"] == "preview" and count(app.engine, Case) == 1


async def test_a_report_within_300_metres_is_offered(app, cast):
    first = await bound(app, cast.reporter, "7023")
    number = await submit_new(first, cast.area, LAMPS, location=(LAT, LON))

    second = await bound(app, cast.second, "7024")
    await to_preview(second, cast.area, DRAIN, location=(HUNDRED_METRES_NORTH, LON),
                      township=cast.township)
    await second.press("提交")
    assert SIMILAR in second.text and f"并入 {number}" in second.labels()
    assert count(app.engine, Case) == 1


async def test_a_report_a_kilometre_away_is_not_offered(app, cast):
    first = await bound(app, cast.reporter, "7025")
    await submit_new(first, cast.area, LAMPS, location=(LAT, LON))

    second = await bound(app, cast.second, "7026")
    await to_preview(second, cast.area, DRAIN, location=(ONE_KM_NORTH, LON),
                      township=cast.township)
    await second.press("提交")
    assert SIMILAR not in second.text
    assert "✅ 已提交！问题编号 2026-0002。" in second.text
    assert count(app.engine, Case) == 2


async def test_joining_a_case_that_was_rejected_meanwhile_is_refused(app, cast):
    first = await bound(app, cast.reporter, "7027")
    number = await submit_new(first, cast.area, LAMPS)
    case = _case(app, number)
    second = await bound(app, cast.second, "7028")
    await to_preview(second, cast.area, LAMPS_AGAIN, township=cast.township)
    await second.press("提交")
    join = second.payload_of(f"并入 {number}")
    assert join is not None

    leader = await bound(app, cast.leader, "7029")
    await leader.press(f"c:rej:{case.id}")
    await leader.send("与已办结问题重复，不予受理")
    assert _case(app, number).status == CaseStatus.REJECTED

    await second.press(join)
    assert "已把您的反映并入" not in second.text
    assert "刚刚已办结或被合并" in second.text
    assert _reporter_ids(app, case.id) == [cast.reporter.id]
    await second.press("作为新问题提交")
    assert "✅ 已提交！问题编号 2026-0002。" in second.text


async def test_joining_ones_own_case_is_not_a_co_report(app, cast):
    dialog = await bound(app, cast.reporter, "7030")
    number = await submit_new(dialog, cast.area, LAMPS)
    case = _case(app, number)
    await to_preview(dialog, cast.area, LAMPS_AGAIN, photos=[jpeg_bytes((5, 50, 5))])
    await dialog.press("提交")
    await dialog.press(f"并入 {number}")

    assert _reporter_ids(app, case.id) == [cast.reporter.id]
    assert "您已成为联名反映人" not in dialog.text
    assert f"这是您自己反映过的问题 {number}" in dialog.text
    assert count(app.engine, CaseMedia, CaseMedia.case_id == case.id) == 1
    assert count(app.engine, Case) == 1
    key = f"case:{case.id}:co-report:{cast.reporter.id}:leader:{cast.leader.id}"
    assert _push(app, key) is None
