"""`liandong invites`: the bot's username from getMe, no QR codes without it, a sorted sheet."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from bot.admin import list_invites
from bot.i18n import Catalogs
from storage.db import unit_of_work
from storage.roster import import_roster
from tests.fake_bot_api import BOT_USER, TOKEN

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ZH, EN = Catalogs().translator("zh_CN"), Catalogs().translator("en")


def _on(settings, engine, **update):
    return settings.model_copy(update={
        "database_url": engine.url.render_as_string(hide_password=False), **update})


def _examples(engine) -> None:
    with unit_of_work(engine) as session:
        import_roster(session, EXAMPLES / "roster.csv", NOW, invite_days=3650)


def test_no_bot_username_and_no_token_lists_codes_but_writes_no_qr(engine, settings,
                                                                    tmp_path) -> None:
    _examples(engine)
    folder = tmp_path / "qr"
    outcome = list_invites(_on(settings, engine), folder, issue_missing=False)
    assert not outcome.ok
    assert outcome.warning == ZH("invites.no_bot")
    assert len([line for line in outcome.text.splitlines() if "有效期至" in line]) == 14
    assert not folder.exists()


async def test_with_a_token_the_username_comes_from_getme(engine, settings, tmp_path,
                                                          api) -> None:
    _examples(engine)
    folder = tmp_path / "qr"
    on_fake = _on(settings, engine, telegram_token=SecretStr(TOKEN), telegram_api_url=api.url,
                  telegram_bot_username=None)
    outcome = await asyncio.to_thread(list_invites, on_fake, folder, False)
    assert outcome.ok, outcome.warning
    assert [call.method for call in api.calls] == ["getMe"]
    sheet = (folder / "invites.html").read_text(encoding="utf-8")
    codes = re.findall(r"<code>([A-Z0-9]{8})</code>", sheet)
    assert len(codes) == 14 == len(list(folder.glob("*.png")))
    assert f"https://t.me/{BOT_USER['username']}?start={codes[0]}" in sheet
    assert f"@{BOT_USER['username']}" in sheet


async def test_getme_failing_writes_no_qr_and_says_why(engine, settings, tmp_path, api) -> None:
    _examples(engine)
    folder = tmp_path / "qr"
    wrong = _on(settings, engine, telegram_token=SecretStr("999:wrong"), telegram_api_url=api.url,
                locale="en")
    outcome = await asyncio.to_thread(list_invites, wrong, folder, False)
    assert not outcome.ok
    assert outcome.warning.startswith("no QR codes written: could not ask Telegram")
    assert "LIANDONG_TELEGRAM_BOT_USERNAME" in outcome.warning
    assert not folder.exists()


def test_sheet_has_a_section_per_role_sorted_by_township_group_name(engine, settings,
                                                                    tmp_path) -> None:
    _examples(engine)
    folder = tmp_path / "qr"
    outcome = list_invites(_on(settings, engine, telegram_bot_username="county_bot"), folder,
                           False)
    assert outcome.ok, outcome.warning
    sheet = (folder / "invites.html").read_text(encoding="utf-8")
    assert re.findall(r"<h2>(.*?)</h2>", sheet) == [
        ZH("role.delegate"), ZH("role.staff"), ZH("role.leadership"), ZH("role.liaison")]
    sections = re.split(r"<h2>.*?</h2>", sheet)[1:]
    names = [re.findall(r"<b>(.*?)</b>", section) for section in sections]
    assert names == [
        ["卫建国", "蒋晓燕", "褚雅静", "周明远", "郑浩然", "陈志刚", "冯佳怡", "吴秀芬", "许静怡"],
        ["沈立新", "秦海波"], ["韩文博"], ["朱国平", "杨丽萍"]]
    assert "柳溪乡 柳溪乡代表小组" in sections[0] and "县住房和城乡建设局" in sections[3]
    assert ZH("invites.sheet.title") in sheet and "邀请码 <code>" in sheet
    listed = [line.split()[1] for line in outcome.text.splitlines() if "有效期至" in line]
    assert listed == [name for section in names for name in section]


def test_sheet_words_follow_the_locale(engine, settings, tmp_path) -> None:
    _examples(engine)
    folder = tmp_path / "qr"
    list_invites(_on(settings, engine, telegram_bot_username="county_bot", locale="en"),
                 folder, False)
    sheet = (folder / "invites.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in sheet
    assert re.findall(r"<h2>(.*?)</h2>", sheet)[0] == EN("role.delegate")
    assert "Invite code <code>" in sheet and "邀请码" not in sheet
