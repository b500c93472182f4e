"""The WeCom API client against the fake server: token caching and renewal, errors explained,
media both ways, the menu.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.channels.wecom_api import WeComApi, WeComApp
from bot.channels.wecom_errors import WeComApiError, delivery_error
from bot.channels.wecom_menu import menu
from bot.core.channel import PermanentDeliveryError, TransientDeliveryError, UnreachableError
from bot.i18n import Catalogs
from tests.fake_wecom_api import AGENT_ID, CORP_ID, SECRET, FakeWeComApi


@pytest.fixture
async def fake():
    """The fake WeCom API."""
    async with FakeWeComApi() as api:
        yield api


@pytest.fixture
async def client(fake):
    """A client of the fake API."""
    api = WeComApi(WeComApp(CORP_ID, AGENT_ID, SECRET, fake.url))
    yield api
    await api.close()


async def test_the_token_is_fetched_once_for_many_concurrent_calls(fake, client):
    fake.token_delay = 0.2  # every caller arrives while the first renewal is under way
    await asyncio.gather(*(client.send(f"m{n}", "text", {"content": "hi"}) for n in range(20)))
    assert fake.token_calls == 1 and len(fake.sent) == 20


@pytest.mark.parametrize("code", [42001, 40014])
async def test_a_refused_token_is_renewed_once_and_the_call_repeated(fake, client, code):
    await client.send("m1", "text", {"content": "one"})
    fake.fail_next("/message/send", code)
    await client.send("m1", "text", {"content": "two"})
    assert fake.token_calls == 2 and fake.texts("m1") == ["one", "two"]


async def test_an_expired_token_at_the_server_is_renewed(fake, client):
    await client.send("m1", "text", {"content": "one"})
    fake.expire_tokens()
    await client.send("m1", "text", {"content": "two"})
    assert fake.token_calls == 2 and fake.texts("m1") == ["one", "two"]


async def test_the_token_is_renewed_shortly_before_it_expires(fake):
    now = [0.0]
    api = WeComApi(WeComApp(CORP_ID, AGENT_ID, SECRET, fake.url), clock=lambda: now[0])
    try:
        await api.token()
        now[0] = 7200 - 301  # still 301 s to go: kept
        await api.token()
        assert fake.token_calls == 1
        now[0] = 7200 - 299  # within the 300 s margin: renewed
        await api.token()
        assert fake.token_calls == 2
    finally:
        await api.close()


async def test_a_wrong_secret_is_named_in_the_log(fake, caplog):
    api = WeComApi(WeComApp(CORP_ID, AGENT_ID, "wrong", fake.url))
    try:
        with pytest.raises(WeComApiError) as raised, caplog.at_level(logging.WARNING):
            await api.token()
    finally:
        await api.close()
    assert raised.value.code == 40001 and "LIANDONG_WECOM_SECRET" in caplog.text


@pytest.mark.parametrize(("code", "words"), [
    (45009, "too often"),
    (60020, "企业可信IP"),
])
async def test_rate_and_untrusted_ip_are_explained_for_an_office(fake, client, caplog, code,
                                                                 words):
    fake.fail_next("/message/send", code)
    with pytest.raises(WeComApiError) as raised, caplog.at_level(logging.WARNING):
        await client.send("m1", "text", {"content": "x"})
    assert f"errcode {code}" in caplog.text and words in caplog.text
    assert isinstance(delivery_error(raised.value), TransientDeliveryError)


def test_error_codes_map_to_what_the_outbox_does():
    rate = delivery_error(WeComApiError(45009, "api freq out of limit", "message/send"))
    assert isinstance(rate, TransientDeliveryError) and rate.retry_after == 60
    gone = delivery_error(WeComApiError(81013, "user invalid", "message/send"))
    assert isinstance(gone, UnreachableError)
    bad = delivery_error(WeComApiError(40058, "invalid parameter", "message/send"))
    assert type(bad) is PermanentDeliveryError
    assert type(delivery_error(WeComApiError(-1, "HTTP 502", "message/send"))) is \
        TransientDeliveryError


async def test_media_go_up_and_come_down(fake, client, tmp_path):
    path = tmp_path / "问题清单.xlsx"
    path.write_bytes(b"PK\x03\x04 spreadsheet")
    media_id = await client.upload(path, "问题清单.xlsx", "file")
    assert fake.media[media_id] == ("问题清单.xlsx", b"PK\x03\x04 spreadsheet")
    assert await client.download(media_id) == b"PK\x03\x04 spreadsheet"
    with pytest.raises(WeComApiError) as raised:
        await client.download("MEDIA-unknown")
    assert raised.value.code == 40007


async def test_the_menu_lists_the_main_commands_in_the_office_language(fake, client):
    await client.create_menu(menu(Catalogs("zh_CN").translator("zh_CN")))
    [published] = fake.menus
    assert published["button"][0] == {"type": "click", "name": "反映问题", "key": "/report"}
    keys = [sub["key"] for group in published["button"][1:] for sub in group["sub_button"]]
    assert {"/mycases", "/inbox", "/tasks", "/notices", "/help"} <= set(keys)
    assert all(len(group.get("sub_button", [])) <= 5 for group in published["button"])
