"""The AI-bot long-connection client against the fake server: subscribe, acks, and every way a
connection ends (heartbeats lost, a clean close, a dropped TCP stream, being replaced).
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.channels.wecom_bot_client import BotClient, BotError, SubscribeRefused, Timing
from tests.fake_wecom_bot_server import BOT_ID, NOT_WRITTEN, SECRET, FakeWeComBot

FAST = Timing(ping_every=0.2, missed_pings=2, ack_timeout=2, backoff_first=0.05,
              backoff_max=0.2)


@contextlib.asynccontextmanager
async def running(server: FakeWeComBot, secret: str = SECRET, frames: list | None = None):
    """A client running against the server until the block ends; (client, its run task)."""
    received = frames if frames is not None else []

    async def collect(frame: dict) -> None:
        received.append(frame)

    client = BotClient(server.url, BOT_ID, secret, collect, FAST)
    stop = asyncio.Event()
    task = asyncio.create_task(client.run(stop))
    try:
        yield client, task
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


async def until(condition, timeout: float = 5) -> None:
    """Wait for a condition the connection reaches by itself (reconnects)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_a_wrong_secret_is_refused_and_not_retried():
    async with FakeWeComBot() as server, running(server, secret="wrong") as (client, task):
        with pytest.raises(SubscribeRefused):
            await asyncio.wait_for(task, 5)
        assert server.subscribes == 0 and client.connections == 0


async def test_callbacks_reach_the_handler_and_commands_are_acknowledged():
    frames: list = []
    async with FakeWeComBot() as server, running(server, frames=frames) as (client, _):
        await server.connected()
        await until(client.connected.is_set)
        req_id = await server.message("liulei", "text", {"content": "你好"})
        await until(lambda: frames)
        assert frames[0]["headers"]["req_id"] == req_id
        ack = await client.request("aibot_respond_msg", {"msgtype": "markdown",
                                   "markdown": {"content": "收到"}}, req_id)
        assert ack["errcode"] == 0
        assert server.texts("liulei") == ["收到"]
        with pytest.raises(BotError) as refused:  # zhangsan never wrote to the bot
            await client.request("aibot_send_msg", {"chatid": "zhangsan", "msgtype": "markdown",
                                 "markdown": {"content": "通知"}})
        assert refused.value.code == NOT_WRITTEN


async def test_a_busy_answer_is_retried_and_a_bad_one_is_not():
    async with FakeWeComBot() as server, running(server) as (client, _):
        await until(client.connected.is_set)
        req_id = await server.message("liulei", "text", {"content": "你好"})
        server.busy = [-1, 45009]  # system busy, then too frequent: the third try goes through
        await client.request("aibot_respond_msg", {"msgtype": "markdown",
                             "markdown": {"content": "收到"}}, req_id)
        assert server.texts("liulei") == ["收到"] and server.busy == []
        server.busy = [40058]
        with pytest.raises(BotError):
            await client.request("aibot_respond_msg", {"msgtype": "markdown",
                                 "markdown": {"content": "再次"}}, req_id)
        assert server.texts("liulei") == ["收到"]


async def test_heartbeats_are_sent_and_their_loss_reconnects():
    async with FakeWeComBot() as server, running(server) as (client, _):
        await server.connected()
        await until(lambda: server.pings >= 2)
        server.mute_pings = True
        await until(lambda: server.subscribes == 2)  # 2 pings unanswered: a new connection
        server.mute_pings = False
        assert client.connections == 2 and not client.replaced


async def test_a_clean_close_reconnects():
    async with FakeWeComBot() as server, running(server) as (client, _):
        await server.connected()
        await server.close_clean()
        await until(lambda: server.subscribes == 2 and client.connected.is_set())
        assert client.connections == 2


async def test_a_dropped_connection_reconnects():
    async with FakeWeComBot() as server, running(server) as (client, _):
        await server.connected()
        server.drop()
        await until(lambda: server.subscribes == 2 and client.connected.is_set())


async def test_being_replaced_stops_the_client_for_good():
    async with FakeWeComBot() as server, running(server) as (client, task):
        await server.connected()
        await server.kick()
        assert await asyncio.wait_for(task, 5) == "replaced"
        await asyncio.sleep(0.3)  # several backoffs' time: it does not come back
        assert server.subscribes == 1 and client.replaced


async def test_a_newer_connection_kicks_the_older_one():
    async with FakeWeComBot() as server, running(server) as (first, first_task):
        await until(first.connected.is_set)
        async with running(server) as (second, _):
            assert await asyncio.wait_for(first_task, 5) == "replaced"
            await until(second.connected.is_set)
            assert server.subscribes == 2
