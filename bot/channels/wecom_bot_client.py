"""The WeCom AI-bot long connection: subscribe, ping, commands with acks, reconnect with backoff.

Frames are JSON `{cmd, headers: {req_id}, body}`; WeCom acks every command with the same
`req_id` and an `errcode`. The connection is re-opened whenever it ends, except when WeCom
replaced it with another connection of the same bot (`disconnected_event`): then fighting
back would kick the other one in turn, so the client stops and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

log = logging.getLogger("liandong.wecom_bot")
SUBSCRIBE, PING = "aibot_subscribe", "ping"
MESSAGE, EVENT = "aibot_msg_callback", "aibot_event_callback"
REPLACED = "disconnected_event"
TRANSIENT = {-1, 45009, 45033}  # system busy, too frequent, too many at once: try again
FrameHandler = Callable[[dict], Awaitable[None]]


class BotError(Exception):
    """WeCom answered a command with a nonzero errcode."""

    def __init__(self, cmd: str, code: int, message: str) -> None:
        super().__init__(f"{cmd}: errcode {code} ({message})")
        self.cmd, self.code, self.message = cmd, code, message


class ConnectionLost(Exception):
    """The command was not acknowledged: no connection, it ended, or the ack timed out."""


class SubscribeRefused(BotError):
    """WeCom refused the bot id or secret: retrying cannot help."""


@dataclass(frozen=True)
class Timing:
    """The client's clocks, in seconds (tests shorten them)."""

    ping_every: float = 30.0
    missed_pings: int = 2  # unanswered pings in a row that mean the connection is dead
    ack_timeout: float = 10.0
    backoff_first: float = 1.0
    backoff_max: float = 60.0
    retries: int = 3  # of a command WeCom answered with a transient errcode


def new_req_id(prefix: str) -> str:
    """A fresh request id for a command we start (replies reuse the callback's)."""
    return f"{prefix}_{secrets.token_hex(8)}"


class BotClient:
    """One bot's long connection; `run` keeps it open until stopped or replaced."""

    def __init__(self, url: str, bot_id: str, secret: str, on_frame: FrameHandler,
                 timing: Timing | None = None) -> None:
        self.url, self.bot_id, self._secret = url, bot_id, secret
        self.on_frame, self.timing = on_frame, timing or Timing()
        self.connected = asyncio.Event()
        self.replaced = False
        self.connections = 0  # how many times a subscribe succeeded (tests, logs)
        self.frames = 0  # callbacks received
        self._socket: ClientConnection | None = None
        self._pending: dict[str, asyncio.Future] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._handling: set[asyncio.Task] = set()

    async def run(self, stop: asyncio.Event) -> str:
        """Stay connected until `stop` ("stopped") or WeCom replaces us ("replaced").

        Raises SubscribeRefused when WeCom refuses the bot id or secret.
        """
        delay = self.timing.backoff_first
        while not stop.is_set():
            try:
                if await self._session(stop):
                    return "replaced"
                delay = self.timing.backoff_first  # it worked: the next drop retries quickly
            except SubscribeRefused:
                raise
            except (TimeoutError, OSError, WebSocketException, ConnectionLost, BotError) as exc:
                log.warning("WeCom AI-bot connection ended (%s); reconnecting in %.0f s",
                            _what(exc), delay)
            else:
                if not stop.is_set():
                    log.warning("WeCom AI-bot connection closed; reconnecting in %.0f s", delay)
            if await _wait(stop, delay):
                break
            delay = min(delay * 2, self.timing.backoff_max)
        return "stopped"

    async def _session(self, stop: asyncio.Event) -> bool:
        """One connection from subscribe to its end; True when WeCom replaced it."""
        async with connect(self.url, open_timeout=self.timing.ack_timeout,
                           ping_interval=None, max_size=2 ** 22) as socket:
            self._socket = socket
            reader = asyncio.create_task(self._read(socket))
            try:
                await self._subscribe(reader)
                self.connected.set()
                self.connections += 1
                log.info("WeCom AI-bot connected to %s", self.url)
                return await self._serve(socket, reader, stop)
            finally:
                self.connected.clear()
                self._socket = None
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
                self._fail_pending()

    async def _subscribe(self, reader: asyncio.Task) -> None:
        body = {"bot_id": self.bot_id, "secret": self._secret}
        ack = asyncio.ensure_future(self._command(SUBSCRIBE, body, new_req_id(SUBSCRIBE)))
        await asyncio.wait([ack, reader], return_when=asyncio.FIRST_COMPLETED)
        if not ack.done():
            ack.cancel()
            raise ConnectionLost("closed before the subscribe was acknowledged")
        try:
            ack.result()
        except BotError as exc:
            raise SubscribeRefused(exc.cmd, exc.code, exc.message) from None

    async def _serve(self, socket: ClientConnection, reader: asyncio.Task,
                     stop: asyncio.Event) -> bool:
        pinger = asyncio.create_task(self._ping(socket))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([reader, pinger, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pinger, stopping):
                task.cancel()
        if reader.done() and not reader.cancelled() and reader.exception() is None:
            return reader.result()
        if stop.is_set():
            await socket.close()
        return False

    async def _read(self, socket: ClientConnection) -> bool:
        """Dispatch frames until the connection ends; True when WeCom replaced it."""
        with contextlib.suppress(ConnectionClosed):
            async for raw in socket:
                frame = _parse(raw)
                if frame is None:
                    continue
                if _is_replaced(frame):
                    self.replaced = True
                    log.error("WeCom AI-bot: another connection of this bot took over "
                              "(disconnected_event); this process stops using it")
                    await socket.close()
                    return True
                if frame.get("cmd") in (MESSAGE, EVENT):
                    self._handle(frame)
                else:
                    self._acknowledged(frame)
        return False

    def _handle(self, frame: dict) -> None:
        self.frames += 1
        task = asyncio.create_task(self._safely(frame))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def _safely(self, frame: dict) -> None:
        try:
            await self.on_frame(frame)
        except Exception:
            log.exception("WeCom AI-bot frame %s failed", frame.get("cmd"))

    async def idle(self) -> None:
        """Wait until every received frame is handled (tests, shutdown)."""
        while self._handling:
            await asyncio.wait(set(self._handling))

    def _acknowledged(self, frame: dict) -> None:
        req_id = (frame.get("headers") or {}).get("req_id", "")
        future = self._pending.get(req_id)
        if future is not None and not future.done():
            future.set_result(frame)

    async def _ping(self, socket: ClientConnection) -> None:
        """Ping every `ping_every` s; after `missed_pings` unanswered in a row, drop the socket."""
        missed = 0
        while True:
            await asyncio.sleep(self.timing.ping_every)
            try:
                await self._command(PING, None, new_req_id(PING),
                                    timeout=self.timing.ping_every)
                missed = 0
            except (ConnectionLost, BotError):
                missed += 1
                if missed >= self.timing.missed_pings:
                    log.warning("WeCom AI-bot: %d pings unanswered; reconnecting", missed)
                    socket.transport.abort()
                    return

    async def request(self, cmd: str, body: dict, req_id: str | None = None) -> dict:
        """Send a command and wait for its ack; transient errcodes are retried.

        Replies pass the callback's req_id: they are sent one at a time per req_id, as WeCom
        acks them by that id.
        """
        req_id = req_id or new_req_id(cmd)
        lock = self._locks.setdefault(req_id, asyncio.Lock())
        try:
            async with lock:
                for attempt in range(self.timing.retries + 1):
                    try:
                        return await self._command(cmd, body, req_id)
                    except BotError as exc:
                        if exc.code not in TRANSIENT or attempt == self.timing.retries:
                            raise
                    await asyncio.sleep(min(2 ** attempt, 10) * 0.5)
        finally:
            if not lock.locked():
                self._locks.pop(req_id, None)
        raise AssertionError("unreachable")

    async def _command(self, cmd: str, body: dict | None, req_id: str,
                       timeout: float | None = None) -> dict:
        socket = self._socket
        if socket is None:
            raise ConnectionLost("not connected")
        frame: dict = {"cmd": cmd, "headers": {"req_id": req_id}}
        if body is not None:
            frame["body"] = body
        future = asyncio.get_running_loop().create_future()
        self._pending[req_id] = future
        try:
            await socket.send(json.dumps(frame, ensure_ascii=False))
            ack = await asyncio.wait_for(future, timeout or self.timing.ack_timeout)
        except (TimeoutError, ConnectionClosed) as exc:
            raise ConnectionLost(f"{cmd} not acknowledged ({_what(exc)})") from None
        finally:
            self._pending.pop(req_id, None)
        code = int(ack.get("errcode") or 0)
        if code:
            raise BotError(cmd, code, str(ack.get("errmsg", "")))
        return ack

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionLost("connection ended"))
        self._pending.clear()


def _parse(raw: str | bytes) -> dict | None:
    try:
        frame = json.loads(raw)
    except ValueError:
        log.warning("WeCom AI-bot sent a frame that is not JSON; ignored")
        return None
    return frame if isinstance(frame, dict) else None


def _is_replaced(frame: dict) -> bool:
    event = (frame.get("body") or {}).get("event") or {}
    return frame.get("cmd") == EVENT and event.get("eventtype") == REPLACED


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` unless stopped first; True when stopped."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


def _what(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
