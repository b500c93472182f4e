"""A fake WeCom AI-bot long-connection server on loopback, strict where WeCom is.

It refuses a wrong secret, acks every command, lets a reply use only a callback's req_id (a
card update only within 5 s of the click), lets aibot_send_msg reach only members who have
written, counts 30 a minute and 1,000 an hour per conversation, kicks the older connection
when a new one subscribes, and on command mutes heartbeats, closes cleanly or drops the TCP
connection. Images are served over HTTP on the same port, AES-256-CBC encrypted with a key of
their own.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

BOT_ID = "aibTESTBOT01"
SECRET = "s3cret-of-the-test-bot"
WRONG_SECRET, NOT_SUBSCRIBED, BAD_REQ_ID, WINDOW_PASSED = 40058, 40059, 40060, 40061
NOT_WRITTEN, TOO_MANY = 40062, 45009  # our names for WeCom's refusals, for the tests
UPDATE_WINDOW = 5.0  # seconds after a click in which its card may be updated
LIMITS = ((30, 60.0), (1000, 3600.0))  # per conversation, replies and pushes together
REPLIES = {"aibot_respond_msg", "aibot_respond_welcome_msg", "aibot_respond_update_msg"}


@dataclass
class Sent:
    """A command the bot sent: its cmd, req_id, body and the conversation it went to."""

    cmd: str
    req_id: str
    body: dict
    userid: str


@dataclass
class Callback:
    """A callback we sent: to whom, when, and whether it was a card click."""

    userid: str
    at: float
    click: bool


@dataclass
class FakeWeComBot:
    """The server; `async with FakeWeComBot() as wecom:` serves it on a free port."""

    secret: str = SECRET
    sent: list[Sent] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    over_limit: list[Sent] = field(default_factory=list)
    subscribes: int = 0
    pings: int = 0
    mute_pings: bool = False
    busy: list[int] = field(default_factory=list)  # errcodes to answer the next commands with
    written: set[str] = field(default_factory=set)
    active: ServerConnection | None = None
    on_callback: Callable[[str], None] | None = None  # sees each callback's req_id first
    _callbacks: dict[str, Callback] = field(default_factory=dict)
    _times: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    _files: dict[str, bytes] = field(default_factory=dict)
    _uploads: dict[str, dict] = field(default_factory=dict)
    _subscribed: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> FakeWeComBot:
        self._server = await serve(self._connection, "127.0.0.1", 0,
                                   process_request=self._http, ping_interval=None)
        self.port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}"
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        await self._server.wait_closed()

    # --- what the tests do -------------------------------------------------------------------

    async def connected(self, timeout: float = 10) -> None:
        """Wait until a connection has subscribed."""
        await asyncio.wait_for(self._subscribed.wait(), timeout)

    async def message(self, userid: str, msgtype: str, content: dict,
                      msgid: str | None = None) -> str:
        """A member writes to the bot; the callback's req_id."""
        self.written.add(userid)
        body = {"msgid": msgid or secrets.token_hex(8), "aibotid": BOT_ID, "chattype": "single",
                "from": {"userid": userid}, "create_time": int(time.time()),
                "msgtype": msgtype, msgtype: content}
        return await self._callback("aibot_msg_callback", userid, body, click=False)

    async def event(self, userid: str, eventtype: str, **details) -> str:
        """An event (enter_chat, template_card_event…) from a member; the callback's req_id."""
        event = {"eventtype": eventtype, **({eventtype: details} if details else {})}
        body = {"msgid": secrets.token_hex(8), "aibotid": BOT_ID, "chattype": "single",
                "from": {"userid": userid}, "create_time": int(time.time()),
                "msgtype": "event", "event": event}
        return await self._callback("aibot_event_callback", userid, body,
                                    click=eventtype == "template_card_event")

    def age(self, req_id: str, seconds: float) -> None:
        """Pretend a callback happened `seconds` earlier (a reply window passing)."""
        self._callbacks[req_id].at -= seconds

    def add_image(self, data: bytes) -> dict:
        """Serve an image encrypted with its own key: the message's {url, aeskey}."""
        key = os.urandom(32)
        name = secrets.token_hex(6)
        self._files[name] = encrypt(data, key)
        return {"url": f"http://127.0.0.1:{self.port}/media/{name}",
                "aeskey": base64.b64encode(key).decode().rstrip("=")}

    async def kick(self) -> None:
        """Another connection of this bot subscribed: tell the active one and close it."""
        socket = self.active
        self.active = None
        if socket is not None:
            with contextlib.suppress(ConnectionClosed):
                await socket.send(json.dumps(_event_frame("disconnected_event")))
            await socket.close()

    async def close_clean(self) -> None:
        """Close the active connection with a normal closing handshake."""
        socket, self.active = self.active, None
        self._subscribed.clear()
        if socket is not None:
            await socket.close()

    def drop(self) -> None:
        """Cut the active connection's TCP stream without a goodbye."""
        socket, self.active = self.active, None
        self._subscribed.clear()
        if socket is not None:
            socket.transport.abort()

    def to(self, userid: str) -> list[Sent]:
        """What the bot sent into one conversation."""
        return [s for s in self.sent if s.userid == userid]

    def texts(self, userid: str) -> list[str]:
        """The markdown texts and card titles sent into a conversation, in order."""
        return [_text_of(s.body) for s in self.to(userid) if _text_of(s.body)]

    # --- the protocol ------------------------------------------------------------------------

    async def _callback(self, cmd: str, userid: str, body: dict, click: bool) -> str:
        if self.active is None:
            raise AssertionError("no bot is connected")
        req_id = secrets.token_hex(10)
        self._callbacks[req_id] = Callback(userid, time.monotonic(), click)
        if self.on_callback is not None:
            self.on_callback(req_id)
        await self.active.send(json.dumps({"cmd": cmd, "headers": {"req_id": req_id},
                                           "body": body}, ensure_ascii=False))
        return req_id

    async def _connection(self, socket: ServerConnection) -> None:
        try:
            await self._frames(socket)
        except ConnectionClosed:
            pass
        finally:
            if self.active is socket:  # the bot went away (killed, network)
                self.active = None
                self._subscribed.clear()

    async def _frames(self, socket: ServerConnection) -> None:
        async for raw in socket:
            frame = json.loads(raw)
            cmd, req_id = frame.get("cmd", ""), frame.get("headers", {}).get("req_id", "")
            if cmd == "aibot_subscribe":
                await self._subscribe(socket, req_id, frame.get("body") or {})
                continue
            if socket is not self.active:
                await _ack(socket, req_id, NOT_SUBSCRIBED)
                continue
            if cmd == "ping":
                self.pings += 1
                if not self.mute_pings:
                    await _ack(socket, req_id)
                continue
            code, extra = (self.busy.pop(0), {}) if self.busy else \
                self._command(cmd, req_id, frame.get("body") or {})
            if code:
                self.refused.append((cmd, code))
            await _ack(socket, req_id, code, extra)

    async def _subscribe(self, socket: ServerConnection, req_id: str, body: dict) -> None:
        if body.get("bot_id") != BOT_ID or body.get("secret") != self.secret:
            await _ack(socket, req_id, WRONG_SECRET, errmsg="invalid bot_id or secret")
            await socket.close()
            return
        if self.active is not None and self.active is not socket:
            await self.kick()
        self.active = socket
        self.subscribes += 1
        await _ack(socket, req_id)
        self._subscribed.set()

    def _command(self, cmd: str, req_id: str, body: dict) -> tuple[int, dict]:
        if cmd.startswith("aibot_upload_media"):
            return self._upload(cmd, body)
        if cmd in REPLIES:
            callback = self._callbacks.get(req_id)
            if callback is None:
                return BAD_REQ_ID, {}
            late = time.monotonic() - callback.at > UPDATE_WINDOW
            if cmd == "aibot_respond_update_msg" and (not callback.click or late):
                return WINDOW_PASSED, {}
            userid = callback.userid
        elif cmd == "aibot_send_msg":
            userid = body.get("chatid", "")
            if userid not in self.written:
                return NOT_WRITTEN, {}
        else:
            return BAD_REQ_ID, {}
        sent = Sent(cmd, req_id, body, userid)
        if not self._within_limits(userid):
            self.over_limit.append(sent)
            return TOO_MANY, {}
        self.sent.append(sent)
        return 0, {}

    def _within_limits(self, userid: str) -> bool:
        now, times = time.monotonic(), self._times[userid]
        if any(sum(1 for t in times if now - t < window) >= count for count, window in LIMITS):
            return False
        times.append(now)
        while times and now - times[0] > LIMITS[-1][1]:
            times.popleft()
        return True

    def _upload(self, cmd: str, body: dict) -> tuple[int, dict]:
        if cmd == "aibot_upload_media_init":
            upload_id = secrets.token_hex(6)
            self._uploads[upload_id] = {"chunks": {}, **body}
            return 0, {"upload_id": upload_id}
        upload = self._uploads.get(body.get("upload_id", ""))
        if upload is None:
            return BAD_REQ_ID, {}
        if cmd == "aibot_upload_media_chunk":
            upload["chunks"][body["chunk_index"]] = base64.b64decode(body["base64_data"])
            return 0, {}
        data = b"".join(upload["chunks"][i] for i in sorted(upload["chunks"]))
        media_id = f"media-{secrets.token_hex(6)}"
        self._files[media_id] = data
        return 0, {"media_id": media_id, "type": upload.get("type")}

    def uploaded(self, media_id: str) -> bytes:
        """The bytes of an uploaded file."""
        return self._files[media_id]

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if not request.path.startswith("/media/"):
            return None  # a WebSocket handshake
        data = self._files.get(request.path.removeprefix("/media/"))
        if data is None:
            return Response(404, "Not Found", Headers(), b"")
        return Response(HTTPStatus.OK, "OK", Headers({"Content-Length": str(len(data))}), data)


async def _ack(socket: ServerConnection, req_id: str, code: int = 0, extra: dict | None = None,
               errmsg: str = "") -> None:
    frame = {"headers": {"req_id": req_id}, "errcode": code, "errmsg": errmsg or
             ("ok" if not code else "refused")}
    if extra:
        frame["body"] = extra
    await socket.send(json.dumps(frame))


def _event_frame(eventtype: str) -> dict:
    return {"cmd": "aibot_event_callback", "headers": {"req_id": secrets.token_hex(10)},
            "body": {"msgid": secrets.token_hex(8), "aibotid": BOT_ID, "msgtype": "event",
                     "create_time": int(time.time()), "event": {"eventtype": eventtype}}}


def _text_of(body: dict) -> str:
    if "markdown" in body:
        return body["markdown"]["content"]
    if "text" in body:
        return body["text"]["content"]
    card = body.get("template_card")
    if card:
        return "\n".join(filter(None, (card.get("main_title", {}).get("title"),
                                       card.get("sub_title_text"))))
    return ""


def encrypt(data: bytes, key: bytes) -> bytes:
    """AES-256-CBC, IV the key's first 16 bytes, PKCS#7 padded to 32 bytes (as WeCom does)."""
    pad = 32 - len(data) % 32
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return encryptor.update(data + bytes([pad]) * pad) + encryptor.finalize()
