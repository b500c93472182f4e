"""A fake WeCom server API on loopback (aiohttp): records sends, serves media, checks limits.

WeCom silently drops messages beyond 30 a minute or 1,000 an hour from one app to one member;
this fake records them in `over_limit`, and the `wecom` fixture fails the test if any.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

CORP_ID, SECRET, AGENT_ID = "ww1436e0e65a779aee", "app-secret-for-tests", 1000002
MEMBER_LIMITS = ((30, 60.0), (1000, 3600.0))


@dataclass
class Sent:
    """One message/send call that WeCom accepted."""

    userid: str
    msgtype: str
    body: dict
    response_code: str | None = None


class FakeWeComApi:
    """`async with FakeWeComApi() as api:` serves the API at `api.url` (127.0.0.1, free port)."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.sent: list[Sent] = []
        self.updates: list[dict] = []  # update_template_card bodies
        self.clicks: dict[str, str] = {}  # a click's ResponseCode → the code of its card's send
        self.menus: list[dict] = []
        self.over_limit: list[Sent] = []
        self.token_calls = 0
        self.media: dict[str, tuple[str, bytes]] = {}  # media_id → (filename, bytes)
        self.valid_tokens: set[str] = set()
        self.failures: list[tuple[str, int]] = []  # (path suffix, errcode) answered once each
        self.port = 0
        self._ids = itertools.count(1)
        self._member_sends: dict[str, collections.deque] = collections.defaultdict(
            collections.deque)
        self._codes: set[str] = set()
        self._runner: web.AppRunner | None = None
        self.token_delay = 0.0
        self.latency = 0.0  # seconds each message/send takes to answer (benchmarks)

    @property
    def url(self) -> str:
        """The API root, for LIANDONG_WECOM_API_URL."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeWeComApi:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/send", self._send)
        app.router.add_post("/cgi-bin/message/update_template_card", self._update)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_get("/cgi-bin/media/get", self._get_media)
        app.router.add_post("/cgi-bin/menu/create", self._menu)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def add_media(self, data: bytes, filename: str = "photo.jpg") -> str:
        """A media id a member's message can carry; media/get serves its bytes."""
        media_id = f"MEDIA{next(self._ids)}"
        self.media[media_id] = (filename, data)
        return media_id

    def click_code(self, card_code: str) -> str:
        """A fresh ResponseCode for one click on the card sent with `card_code`: WeCom puts a
        new one, usable once, in every template_card_event.
        """
        code = f"RC{next(self._ids)}"
        self._codes.add(code)
        self.clicks[code] = card_code
        return code

    def card_code(self, code: str) -> str:
        """The code of the card's send that an update's (possibly a click's) code belongs to."""
        return self.clicks.get(code, code)

    def fail_next(self, path_end: str, errcode: int) -> None:
        """Answer the next call whose path ends so with this errcode."""
        self.failures.append((path_end, errcode))

    def expire_tokens(self) -> None:
        """Every access token issued so far is expired (42001)."""
        self.valid_tokens.clear()

    def to(self, userid: str) -> list[Sent]:
        """What was sent to one member, in order."""
        return [sent for sent in self.sent if sent.userid == userid]

    def texts(self, userid: str) -> list[str]:
        """Text contents and card titles sent to one member."""
        return [_shown(sent) for sent in self.to(userid)]

    async def wait_for(self, predicate, timeout: float = 10) -> Any:
        """Poll until `predicate()` is truthy; its value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not (value := predicate()):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.02)
        return value

    # --- the API ------------------------------------------------------------------------

    async def _gettoken(self, request: web.Request) -> web.Response:
        self.token_calls += 1
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        if (failed := self._failure(request)) is not None:
            return failed
        if request.query.get("corpid") != CORP_ID:
            return _error(40013, "invalid corpid")
        if request.query.get("corpsecret") != SECRET:
            return _error(40001, "invalid credential")
        token = f"TOKEN{next(self._ids)}"
        self.valid_tokens.add(token)
        return web.json_response({"errcode": 0, "errmsg": "ok", "access_token": token,
                                  "expires_in": 7200})

    async def _send(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        body = await request.json()
        if self.latency:
            await asyncio.sleep(self.latency)
        sent = Sent(body["touser"], body["msgtype"], body[body["msgtype"]])
        if sent.msgtype == "template_card":
            assert len(sent.body["button_list"]) <= 6, "a card takes at most 6 buttons"
            sent.response_code = f"RC{next(self._ids)}"
            self._codes.add(sent.response_code)
        if sent.msgtype == "text":
            assert len(sent.body["content"].encode()) <= 2048, "WeCom would cut this text"
        if self._over_limit(sent.userid):
            self.over_limit.append(sent)  # WeCom answers ok and drops it
        else:
            self.sent.append(sent)
        answer = {"errcode": 0, "errmsg": "ok", "msgid": f"MSG{next(self._ids)}"}
        if sent.response_code:
            answer["response_code"] = sent.response_code
        return web.json_response(answer)

    async def _update(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        body = await request.json()
        if body.get("response_code") not in self._codes:
            return _error(40098, "invalid response_code")
        self._codes.discard(body["response_code"])  # each code updates once
        self.updates.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _upload(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        form = await request.post()
        field = form["media"]
        media_id = self.add_media(field.file.read(), field.filename)
        return web.json_response({"errcode": 0, "errmsg": "ok", "type":
                                  request.query.get("type"), "media_id": media_id})

    async def _get_media(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        found = self.media.get(request.query.get("media_id", ""))
        if found is None:
            return _error(40007, "invalid media_id")
        return web.Response(body=found[1], content_type="image/jpeg")

    async def _menu(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        self.menus.append(await request.json())
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def _refused(self, request: web.Request) -> web.Response | None:
        if (failed := self._failure(request)) is not None:
            return failed
        token = request.query.get("access_token", "")
        if not token:
            return _error(41001, "access_token missing")
        if token not in self.valid_tokens:
            return _error(42001, "access_token expired")
        return None

    def _failure(self, request: web.Request) -> web.Response | None:
        for index, (path_end, code) in enumerate(self.failures):
            if request.path.endswith(path_end):
                del self.failures[index]
                return _error(code, "injected failure")
        return None

    def _over_limit(self, userid: str) -> bool:
        now, sends = self.clock(), self._member_sends[userid]
        while sends and now - sends[0] >= MEMBER_LIMITS[-1][1]:
            sends.popleft()
        for count, seconds in MEMBER_LIMITS:
            if sum(1 for at in sends if now - at < seconds) >= count:
                return True
        sends.append(now)
        return False


def _shown(sent: Sent) -> str:
    if sent.msgtype == "text":
        return sent.body["content"]
    if sent.msgtype == "template_card":
        return sent.body["main_title"]["title"] + "\n" + sent.body.get("sub_title_text", "")
    return f"[{sent.msgtype}]"


def _error(code: int, message: str) -> web.Response:
    return web.json_response({"errcode": code, "errmsg": message})
