"""Console answers: buttons numbered across an answer, values typed as text, usage, wording."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po
from sqlmodel import select

from bot.i18n import LOCALES_DIR
from storage.case_models import CaseStatus
from storage.db import unit_of_work
from storage.models import Person
from tests.console_support import run_lines
from tests.factories import demo_reporter, make_case
from tests.given import en, zh
from tests.images import jpeg_bytes

DESCRIPTION = "镇中心小学门前道路破损积水，学生上下学不安全"
CLICKING = ("点击", "点“", "点过", "tap ", "Tap ", "pressed")
TELEGRAM_ONLY = {"telegram.private_only", "invites.sheet.intro"}  # never shown on the console


def _two_cases(app) -> None:
    """One report waiting for triage and one accepted case waiting to be assigned."""
    with unit_of_work(app.engine) as session:
        reporter, group = demo_reporter(session)
        now = app.services.clock.utcnow()
        make_case(session, now, reporter=reporter, group=group)
        make_case(session, now, reporter=reporter, group=group, status=CaseStatus.ACCEPTED)


async def test_buttons_are_numbered_on_across_the_replies_of_one_answer(app, demo):
    _two_cases(app)
    output = await run_lines(app, ["/inbox", "6"])
    assert "  [1] 2026-0001\n  [2] 受理\n  [3] 不予受理\n  [4] 合并\n" in output
    assert "  [5] 2026-0002\n  [6] 交办\n" in output
    assert "> 6 → 交办" in output
    assert zh(app)("assign.ask_department", number="2026-0002") in output


async def test_a_number_after_an_answer_without_buttons_is_text(app, demo):
    with unit_of_work(app.engine) as session:
        reporter, _ = demo_reporter(session)
    output = await run_lines(app, [f"/as {reporter.phone}", "/report", "7", "1"])
    after = output.split("> 1")[-1]
    assert zh(app)("report.text_length", min=10, max=2000, length=1) in after
    assert zh(app)("common.button_expired") not in output


async def test_only_the_latest_answer_s_buttons_respond(app, demo):
    _two_cases(app)
    output = await run_lines(app, ["/inbox", "/whoami", "2"])
    assert "> 2 →" not in output
    assert zh(app)("case.done.accepted", number="2026-0001") not in output
    assert zh(app)("assign.ask_department", number="2026-0002") not in output


async def test_a_value_beyond_the_buttons_or_with_a_unit_is_sent_as_typed(app, demo):
    _two_cases(app)
    output = await run_lines(app, ["/case 2026-0002", "1", "1", "3天", "2", "1", "12"])
    confirm = zh(app)("assign.confirm", number="2026-0002", department="县住房和城乡建设局",
                      days="{days}", date="").split("{days}")[0]
    assert f"{confirm}3 个工作日" in output
    assert f"{confirm}12 个工作日" in output
    assert "> 3天\n" in output and "> 12\n" in output


async def test_the_first_buttons_come_with_one_hint_and_the_console_never_says_click(
        app, demo, tmp_path):
    with unit_of_work(app.engine) as session:
        reporter, _ = demo_reporter(session)
    photo = tmp_path / "site.jpg"
    photo.write_bytes(jpeg_bytes())
    output = await run_lines(app, [
        f"/as {reporter.phone}", "/report", "7", DESCRIPTION, "/voice", f"/photo {photo}",
        "/photo", "1", "hello", "1", "1"])
    assert output.count(zh(app)("console.buttons_hint")) == 1
    assert "✅ 已提交！问题编号 2026-0001" in output
    assert [word for word in CLICKING if word in output] == []


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_no_message_the_console_shows_speaks_of_clicking(locale):
    clicking = {}
    for path in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                text = "\n".join(message.string) if isinstance(message.string, tuple) \
                    else message.string
                words = [w for w in CLICKING if message.id and w in text]
                if words and message.id not in TELEGRAM_ONLY:
                    clicking[message.id] = words
    assert clicking == {}


async def test_photo_voice_file_and_as_without_an_argument_say_how(app, demo):
    output = await run_lines(app, ["/photo", "/voice  ", "/file", "/as", "/as  "])
    t = zh(app)
    for key in ("console.usage_photo", "console.usage_voice", "console.usage_file"):
        assert output.count(t(key)) == 1
    assert output.count(t("console.usage_as")) == 2
    assert "找不到文件" not in output and "名册中没有找到" not in output


async def test_usage_is_in_the_acting_person_s_language_and_keeps_the_buttons(app, demo):
    with unit_of_work(app.engine) as session:
        reporter, _ = demo_reporter(session)
        person = session.get(Person, reporter.id)
        person.locale = "en"
        session.add(person)
    output = await run_lines(app, [f"/as {reporter.phone}", "/report", "7", DESCRIPTION,
                                   "/photo", "/voice", "1"])
    assert en(app)("console.usage_photo") in output and en(app)("console.usage_voice") in output
    assert "> 1 → " + en(app)("report.photos_done") in output


async def test_as_takes_its_argument_after_a_full_width_blank(app, demo):
    with unit_of_work(app.engine) as session:
        someone = session.exec(select(Person).order_by(Person.id)).first()
    output = await run_lines(app, [f"/as\u3000{someone.phone}"])  # as a Chinese IME types it
    assert zh(app)("console.as_now", name=someone.name) in output
