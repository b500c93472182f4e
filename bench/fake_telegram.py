"""A fake Bot API on loopback that enforces Telegram's limits and answers slowly, for benches.

It answers getMe and sendMessage only; 50–150 ms per call; past 30 messages in any second, or
a second message to one chat within a second, it answers 429 with retry_after, as Telegram does.
"""

from __future__ import annotations

import asyncio
import collections
import random
import time
from dataclasses import dataclass, field

from aiohttp import web

TOKEN = "424242:BENCH-token"
OVERALL, CHAT_GAP = 30, 1.0


@dataclass
class Received:
    """What the fake saw: first receipt time per chat, every success, 429s."""

    first: dict[int, float] = field(default_factory=dict)
    successes: list[tuple[int, float]] = field(default_factory=list)
    limited: int = 0


class FakeTelegram:
    """`async with FakeTelegram() as api:` serves at `api.url`."""

    def __init__(self, latency: tuple[float, float] = (0.05, 0.15)) -> None:
        self.latency, self.seen = latency, Received()
        self.window: collections.deque[float] = collections.deque()
        self.last_to: dict[int, float] = {}
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.rng = random.Random(30)

    @property
    def url(self) -> str:
        """The API root for LIANDONG_TELEGRAM_API_URL."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._api)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        """Count the request when it arrives (as Telegram does), answer after the latency."""
        arrived = time.monotonic()
        response = await self._answer(request, arrived)
        await asyncio.sleep(self.rng.uniform(*self.latency))
        return response

    async def _answer(self, request: web.Request, arrived: float) -> web.Response:
        method = request.match_info["method"].lower()
        if method == "getme":
            return web.json_response({"ok": True, "result": {
                "id": 424242, "is_bot": True, "first_name": "bench", "username": "bench_bot"}})
        if method != "sendmessage":
            return web.json_response({"ok": True, "result": True})
        try:
            params = dict(await request.post()) if request.content_type != "application/json" \
                else await request.json()
        except ConnectionResetError:  # the worker was killed mid-request
            return web.Response(status=499)
        return self._send(int(params["chat_id"]), arrived)

    def _send(self, chat: int, now: float) -> web.Response:
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= OVERALL or now - self.last_to.get(chat, -10) < CHAT_GAP:
            self.seen.limited += 1
            return web.json_response({"ok": False, "error_code": 429, "description":
                                      "Too Many Requests: retry after 1",
                                      "parameters": {"retry_after": 1}}, status=429)
        self.window.append(now)
        self.last_to[chat] = now
        self.seen.first.setdefault(chat, time.time())
        self.seen.successes.append((chat, time.time()))
        return web.json_response({"ok": True, "result": {
            "message_id": len(self.seen.successes), "date": int(time.time()),
            "chat": {"id": chat, "type": "private"}, "text": "."}})
