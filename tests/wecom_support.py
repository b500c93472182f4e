"""Fixtures for WeCom tests: the fake API, the real channel behind the bot's HTTP app, and
members whose messages arrive as real callbacks, signed and encrypted by wechatpy.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import select
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.app import App, build_app
from bot.channels.wecom import WeComChannel
from bot.delivery import DeliveryWorker
from bot.web import WebServer, web_app
from storage.db import unit_of_work
from storage.models import Person
from tests.fake_wecom_api import AGENT_ID, CORP_ID, SECRET, FakeWeComApi

TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CALLBACK = "/wecom/callback"
_ids = itertools.count(9_000_000)


def wecom_settings(settings, api: FakeWeComApi, **extra):
    """Settings for the WeCom channel against the fake API."""
    return settings.model_copy(update={
        "wecom_corp_id": CORP_ID, "wecom_agent_id": AGENT_ID, "wecom_secret": SecretStr(SECRET),
        "wecom_token": SecretStr(TOKEN), "wecom_aes_key": SecretStr(AES_KEY),
        "wecom_api_url": api.url, "http_port": 0, **extra})


@dataclass
class WeCom:
    """The running channel, its HTTP server, the fake API and the clock's time."""

    api: FakeWeComApi
    channel: WeComChannel
    url: str
    app: App
    http: httpx.AsyncClient
    sealer: WeChatCrypto = field(default_factory=lambda: WeChatCrypto(TOKEN, AES_KEY, CORP_ID))

    def now(self) -> int:
        """The bot's clock, as a callback timestamp."""
        return int(self.app.services.clock.now().timestamp())

    def signed(self, plain: str, timestamp: int | None = None, nonce: str = "n0nce",
               sealer: WeChatCrypto | None = None) -> tuple[dict, str]:
        """(query, body) of a callback carrying `plain`, as WeCom would post it."""
        stamp = str(timestamp if timestamp is not None else self.now())
        encrypted, signature = seal(sealer or self.sealer, plain, stamp, nonce)
        body = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA["
                f"{encrypted}]]></Encrypt><AgentID><![CDATA[{AGENT_ID}]]></AgentID></xml>")
        return {"msg_signature": signature, "timestamp": stamp, "nonce": nonce}, body

    async def post(self, query: dict, body: str | bytes) -> httpx.Response:
        """POST a callback, then wait until the bot has handled what it accepted."""
        response = await self.http.post(self.url, params=query, content=body)
        await self.channel.idle()
        return response

    def member(self, userid: str) -> Member:
        """A WeCom member writing to the app."""
        return Member(self, userid)


def seal(sealer: WeChatCrypto, plain: str, stamp: str, nonce: str) -> tuple[str, str]:
    """(ciphertext, msg_signature) of `plain`, by wechatpy."""
    sealed = sealer.encrypt_message(plain, nonce, stamp)
    encrypted = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", sealed).group(1)
    signature = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]>", sealed).group(1)
    return encrypted, signature


@dataclass
class Member:
    """One WeCom member: each action is a real callback; answers are what the API received."""

    wecom: WeCom
    userid: str

    async def deliver(self, inner: str, msg_id: bool = True) -> httpx.Response:
        """Post one plaintext message (the common head added)."""
        head = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA["
                f"{self.userid}]]></FromUserName><CreateTime>{self.wecom.now()}</CreateTime>")
        tail = f"<MsgId>{next(_ids)}</MsgId>" if msg_id else ""
        plain = f"{head}{inner}{tail}<AgentID>{AGENT_ID}</AgentID></xml>"
        response = await self.wecom.post(*self.wecom.signed(plain))
        assert response.status_code == 200, response.text
        return response

    async def say(self, text: str) -> list[str]:
        """Send a text; what the bot sent this member in answer."""
        before = len(self.wecom.api.to(self.userid))
        await self.deliver(f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]>"
                           "</Content>")
        return self.wecom.api.texts(self.userid)[before:]

    async def press(self, key: str, response_code: str = "") -> list[str]:
        """Press a card button (its key is our payload)."""
        before = len(self.wecom.api.to(self.userid))
        await self.deliver("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA["
                           f"template_card_event]]></Event><EventKey><![CDATA[{key}]]>"
                           f"</EventKey><TaskId><![CDATA[t{next(_ids)}]]></TaskId><CardType>"
                           "<![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA["
                           f"{response_code}]]></ResponseCode>", msg_id=False)
        return self.wecom.api.texts(self.userid)[before:]

    async def photo(self, data: bytes) -> list[str]:
        """Send a photo (the fake API serves its bytes to media/get)."""
        before = len(self.wecom.api.to(self.userid))
        media_id = self.wecom.api.add_media(data)
        await self.deliver(f"<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://x/]]>"
                           f"</PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>")
        return self.wecom.api.texts(self.userid)[before:]

    async def location(self, latitude: float, longitude: float) -> list[str]:
        """Share a location."""
        before = len(self.wecom.api.to(self.userid))
        await self.deliver(f"<MsgType><![CDATA[location]]></MsgType><Location_X>{latitude}"
                           f"</Location_X><Location_Y>{longitude}</Location_Y><Scale>15</Scale>"
                           "<Label><![CDATA[青石镇]]></Label>")
        return self.wecom.api.texts(self.userid)[before:]

    def card_key(self, label: str | None = None, prefix: str | None = None) -> tuple[str, str]:
        """(key, response code) of the newest card button with this label (or whose key has
        this prefix) sent to this member.
        """
        for sent in reversed(self.wecom.api.to(self.userid)):
            for button in sent.body.get("button_list", []):
                if button["text"] == label or (prefix and button["key"].startswith(prefix)):
                    return button["key"], sent.response_code
        raise AssertionError(f"no card button {label or prefix!r} for {self.userid}")

    async def tap(self, label: str | None = None, prefix: str | None = None) -> list[str]:
        """Press the newest card button with this label (or key prefix)."""
        return await self.press(*self.card_key(label, prefix))


async def deliver(harness) -> int:
    """One round of the outbox worker through a WeCom harness's channel (the app or the AI bot)."""
    return await DeliveryWorker(harness.app.engine, [harness.channel],
                                harness.app.services.clock).run_once(limit=500)


def joined(texts: list[str]) -> str:
    """All texts as one."""
    return "\n".join(texts)


def roster_account(engine, person_id: int, userid: str) -> None:
    """Give a person a 企业微信账号 in the roster."""
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.id == person_id)).one()
        person.wecom_userid = userid
        session.add(person)


@pytest.fixture
async def wecom(settings, engine, clock, demo):
    """The WeCom channel over the demo county, its callback served on a free loopback port.

    At the end, no member may have received more than WeCom's limits allow.
    """
    async with FakeWeComApi() as api:
        app = build_app(wecom_settings(settings, api), engine, clock)
        channel = WeComChannel(app)
        await channel.start()
        server = WebServer(web_app(channel.routes()), "127.0.0.1", 0)
        await server.start()
        url = f"http://127.0.0.1:{server.port}{CALLBACK}"
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                yield WeCom(api, channel, url, app, http)
        finally:
            await server.stop()
            await channel.stop()
        assert not api.over_limit, f"WeCom would have dropped {len(api.over_limit)} message(s)"
