"""A fake Telegram Bot API server on loopback (aiohttp) for running the real PTB Application."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, web

from tests.fake_bot_limits import Rejected, check_text, photo_size

TOKEN = "123456:TEST-fake-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "联动", "username": "liandong_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ANSWERED_TRUE = {"setmycommands", "answercallbackquery", "editmessagereplymarkup"}


@dataclass
class Call:
    """One request the bot made: the method, its decoded parameters, and the answer's status."""

    method: str
    params: dict[str, Any]
    status: int = 200
    host: str = ""  # the Host the request was for (another one when it came through a proxy)
    result: Any = None  # what the fake answered (a sent message: its message_id)


class FakeBotApi:
    """`async with FakeBotApi() as api:` serves the Bot API at `api.url` (127.0.0.1, free port)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] | None = None
        self.port = 0
        self._updates: list[dict] = []
        self._files: dict[str, bytes] = {}  # file_id → bytes
        self._failures: list[tuple[str, int, str, dict]] = []  # method, status, why, params
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._arrived = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The API root, for the `telegram_api_url` setting."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._file)
        self._runner = web.AppRunner(app, shutdown_timeout=2, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closing = True
        self._arrived.set()  # wake a pending long poll
        if self._runner is not None:
            await self._runner.cleanup()

    def push_update(self, *updates: dict) -> int:
        """Queue updates for getUpdates (all at once); returns the last update id."""
        for update in updates:
            update.setdefault("update_id", next(self._update_ids))
            self._updates.append(update)
        self._arrived.set()
        return updates[-1]["update_id"]

    def message_update(self, user_id: int, chat: dict | None = None, language_code: str = "zh-hans",
                       **content: Any) -> dict:
        """An update (not queued) with a message from `user_id` in their private chat."""
        sender = user(user_id, language_code)
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": chat or private_chat(user_id), "from": sender, **content}
        return {"update_id": next(self._update_ids), "message": message}

    def user_message(self, user_id: int, text: str, **extra: Any) -> int:
        """Queue a text message (commands carry a bot_command entity, as Telegram sends)."""
        if text.startswith("/"):
            extra["entities"] = [{"type": "bot_command", "offset": 0,
                                  "length": len(text.split()[0])}]
        return self.push_update(self.message_update(user_id, text=text, **extra))

    def callback(self, user_id: int, data: str, language_code: str = "zh-hans") -> int:
        """Queue a button press on a message the bot sent earlier."""
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": private_chat(user_id), "from": BOT_USER, "text": "…"}
        update_id = next(self._update_ids)
        query = {"id": f"cbq-{user_id}-{update_id}", "from": user(user_id, language_code),
                 "chat_instance": f"ci-{user_id}", "data": data, "message": message}
        return self.push_update({"update_id": update_id, "callback_query": query})

    def register_file(self, data: bytes) -> str:
        """Make `data` downloadable through getFile; returns its file_id."""
        file_id = f"file-{len(self._files) + 1}"
        self._files[file_id] = data
        return file_id

    def photo_update(self, user_id: int, file_bytes: bytes, **extra: Any) -> dict:
        """An update (not queued) with a photo; the largest size serves `file_bytes`."""
        file_id = self.register_file(file_bytes)
        sizes = [{"file_id": f"{file_id}-thumb", "file_unique_id": f"u{file_id}-t",
                  "width": 90, "height": 67, "file_size": 1200},
                 {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 1280,
                  "height": 960, "file_size": len(file_bytes)}]
        return self.message_update(user_id, photo=sizes, **extra)

    def photo_message(self, user_id: int, file_bytes: bytes, **extra: Any) -> int:
        """Queue a photo message."""
        return self.push_update(self.photo_update(user_id, file_bytes, **extra))

    def document_update(self, user_id: int, file_bytes: bytes, mime_type: str,
                        file_name: str = "file.bin", file_size: int | None = None,
                        **extra: Any) -> dict:
        """An update (not queued) with a document serving `file_bytes`; the size may be faked."""
        file_id = self.register_file(file_bytes)
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name,
                    "mime_type": mime_type,
                    "file_size": len(file_bytes) if file_size is None else file_size}
        return self.message_update(user_id, document=document, **extra)

    def location_message(self, user_id: int, latitude: float, longitude: float,
                         **extra: Any) -> int:
        """Queue a shared location."""
        location = {"latitude": latitude, "longitude": longitude}
        return self.push_update(self.message_update(user_id, location=location, **extra))

    def fail_next(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """Answer the next call of `method` with this error."""
        self._failures.append((method.lower(), status, description, parameters))

    def rate_limit_next_send(self, retry_after: int) -> None:
        """The next sendMessage gets 429 Too Many Requests with retry_after."""
        self.fail_next("sendMessage", 429, f"Too Many Requests: retry after {retry_after}",
                       retry_after=retry_after)

    def block_next_send(self) -> None:
        """The next sendMessage gets 403: the user blocked the bot."""
        self.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")

    def calls_to(self, method: str) -> list[Call]:
        """Calls of one method, in order."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def sent_texts(self, chat_id: int | str) -> list[str]:
        """Texts successfully sent to `chat_id`, in order."""
        return [call.params["text"] for call in self.calls_to("sendMessage")
                if call.status == 200 and str(call.params.get("chat_id")) == str(chat_id)]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10) -> Any:
        """Poll `predicate` until it is truthy (returned) or fail after `timeout` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if asyncio.get_running_loop().time() > deadline:
                methods = [call.method for call in self.calls]
                raise AssertionError(f"condition not met in {timeout}s; calls: {methods}")
            await asyncio.sleep(0.02)

    async def deliver_webhook(self, update: dict, secret: str | None = None) -> int:
        """POST an update to the registered webhook (with its secret unless one is given)."""
        assert self.webhook is not None, "setWebhook was not called"
        token = secret if secret is not None else self.webhook.get("secret_token")
        return await post_update(self.webhook["url"], update, token)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        call = Call(method, await _params(request), host=request.host)
        self.calls.append(call)
        failure = next((f for f in self._failures if f[0] == method.lower()), None)
        if failure is not None:
            self._failures.remove(failure)
            call.status = failure[1]
            return _error(*failure[1:])
        if method.lower() in ANSWERED_TRUE:
            return web.json_response({"ok": True, "result": True})
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            call.status = 404
            return _error(404, "Not Found: method not found")
        try:
            result = handler(call.params)
            if asyncio.iscoroutine(result):
                result = await result
        except Rejected as rejected:
            call.status = 400
            return _error(400, f"Bad Request: {rejected}")
        call.result = result
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_path"].rpartition("/")[2]
        if request.match_info["token"] != self.token or file_id not in self._files:
            return web.Response(status=404, text="Not Found")
        self.calls.append(Call("file", {"file_path": request.match_info["file_path"]}))
        return web.Response(body=self._files[file_id], content_type="application/octet-stream")

    def _m_getme(self, _params: dict) -> dict:
        return BOT_USER

    def _m_setwebhook(self, params: dict) -> bool:
        self.webhook = params
        return True

    def _m_deletewebhook(self, _params: dict) -> bool:
        self.webhook = None
        return True

    def _m_editmessagetext(self, params: dict) -> dict:
        """Edit a message the bot sent; answers with the message as it now is."""
        return self._bot_message(params, text=params["text"])

    def _m_sendmessage(self, params: dict) -> dict:
        check_text(params["text"])
        return self._bot_message(params, text=params["text"])

    def _m_sendphoto(self, params: dict) -> dict:
        width, height = photo_size(params.get("photo"))
        photo = [{"file_id": f"sent-{len(self.calls)}", "file_unique_id": f"s{len(self.calls)}",
                  "width": width, "height": height}]
        return self._bot_message(params, photo=photo)

    def _m_senddocument(self, params: dict) -> dict:
        upload = params.get("document")
        name = upload.get("filename") if isinstance(upload, dict) else None
        document = {"file_id": f"sent-{len(self.calls)}", "file_unique_id": f"s{len(self.calls)}",
                    "file_name": name}
        return self._bot_message(params, document=document)

    def _m_getfile(self, params: dict) -> dict:
        file_id = params.get("file_id", "")
        data = self._files.get(file_id, b"")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data),
                "file_path": f"photos/{file_id}"}

    async def _m_getupdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        if offset > 0:  # updates below the offset are confirmed: forget them
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeout") or 0)
        while not self._updates and not self._closing and loop.time() < deadline:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), deadline - loop.time())
            except TimeoutError:
                break
        return self._updates[: int(params.get("limit") or 100)]

    def _bot_message(self, params: dict, **content: Any) -> dict:
        chat_id = int(params["chat_id"])
        chat = private_chat(chat_id) if chat_id > 0 else group_chat(chat_id)
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                "from": BOT_USER, **content}


def user(user_id: int, language_code: str = "zh-hans") -> dict:
    """A Telegram user object for a person in a test."""
    return {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}",
            "language_code": language_code}


def private_chat(user_id: int) -> dict:
    """The private chat with a user (its id is the user's id)."""
    return {"id": user_id, "type": "private", "first_name": f"用户{user_id}"}


def group_chat(chat_id: int = -100200300) -> dict:
    """A group chat (negative id)."""
    return {"id": chat_id, "type": "group", "title": "代表小组群"}


async def post_update(url: str, update: dict, secret: str | None) -> int:
    """POST an update as Telegram does; returns the HTTP status."""
    headers = {SECRET_HEADER: secret} if secret else {}
    async with ClientSession() as session, session.post(url, json=update, headers=headers) as resp:
        return resp.status


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        params.update(await request.json())
        return params
    for key, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            params[key] = {"filename": value.filename, "content": value.file.read()}
        else:
            params[key] = _decode(value)
    return params


def _decode(value: str) -> Any:
    if value[:1] in ("[", "{"):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _error(status: int, description: str, parameters: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
