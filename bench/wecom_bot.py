"""Push notices through the real worker and AI-bot channel over the long connection to the fake
WeCom AI-bot server on loopback.

The fake refuses (and records) anything beyond WeCom's limits for one conversation (30 a minute,
1,000 an hour, replies and pushes together). Prints the rate achieved, the time, and how many
were refused (target: none).

    python -m bench.wecom_bot [--pushes 2000] [--members 250]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from pydantic import SecretStr

from bench.people import add_bound_people, queue_and_drain
from bot.app import build_app
from bot.channels.wecom_bot import WeComBotChannel
from bot.config import Settings
from tests.fake_wecom_bot_server import BOT_ID, SECRET, FakeWeComBot

NOTICE = "📢 通知：请各位代表于本周五下午三点参加联动监督推进会。"


def prepare(url: str, members: int) -> None:
    """Migrate and add `members` delegates, each bound on the AI bot (they have written)."""
    add_bound_people(url, members, "wecom_bot", lambda n: f"member{n}")


async def run(pushes: int, members: int) -> None:
    """Queue the pushes, deliver them all, print the figures."""
    with tempfile.TemporaryDirectory() as data:
        url = f"sqlite:///{Path(data) / 'bench.db'}"
        prepare(url, members)
        async with FakeWeComBot() as fake:
            fake.written.update(f"member{n}" for n in range(members))
            settings = Settings(_env_file=None, database_url=url, data_dir=Path(data),
                                wecom_bot_id=BOT_ID, wecom_bot_secret=SecretStr(SECRET),
                                wecom_bot_url=fake.url)
            app = build_app(settings)
            channel = WeComBotChannel(app)
            await channel.start()
            await fake.connected()
            await channel.client.connected.wait()
            elapsed = await queue_and_drain(app, channel, pushes, members, NOTICE)
            await channel.stop()
            app.engine.dispose()
        print(f"{pushes} pushes to {members} members over one long connection: "
              f"{len(fake.sent)} messages ({len(fake.sent) / members:.0f} per member)")
        print(f"sent in {elapsed:.1f} s: {len(fake.sent) / elapsed:.0f}/s")
        print(f"refused by the per-conversation limits: {len(fake.over_limit)}")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=2000)
    parser.add_argument("--members", type=int, default=250)
    args = parser.parse_args()
    asyncio.run(run(args.pushes, args.members))


if __name__ == "__main__":
    main()
