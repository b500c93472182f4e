"""Push 5,000 notices through the real worker and WeCom channel to the fake WeCom API.

The fake answers each message/send after `--latency` seconds and records any message beyond
WeCom's limits for one member (30 a minute, 1,000 an hour), which WeCom would silently drop.
Prints the rate achieved, the time, and how many were dropped (target: none).

    python -m bench.wecom [--pushes 5000] [--members 250] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
from pathlib import Path

from pydantic import SecretStr

from bench.people import add_bound_people, queue_and_drain
from bot.app import build_app
from bot.channels.wecom import WeComChannel
from bot.channels.wecom_limits import PER_MEMBER
from bot.config import Settings
from tests.fake_wecom_api import AGENT_ID, CORP_ID, SECRET, FakeWeComApi
from tests.wecom_support import AES_KEY, TOKEN

NOTICE = "📢 通知：请各位代表于本周五下午三点参加联动监督推进会。"


def prepare(url: str, members: int) -> None:
    """Migrate and add `members` delegates, each bound to a WeCom userid."""
    add_bound_people(url, members, "wecom", lambda n: f"member{n}")


async def run(pushes: int, members: int, latency: float) -> None:
    """Queue the pushes, deliver them all, print the figures."""
    with tempfile.TemporaryDirectory() as data:
        url = f"sqlite:///{Path(data) / 'bench.db'}"
        prepare(url, members)
        async with FakeWeComApi() as fake:
            fake.latency = latency
            settings = Settings(_env_file=None, database_url=url, data_dir=Path(data),
                                wecom_corp_id=CORP_ID, wecom_agent_id=AGENT_ID,
                                wecom_secret=SecretStr(SECRET), wecom_token=SecretStr(TOKEN),
                                wecom_aes_key=SecretStr(AES_KEY), wecom_api_url=fake.url)
            app = build_app(settings)
            channel = WeComChannel(app)
            await channel.start()
            elapsed = await queue_and_drain(app, channel, pushes, members, NOTICE)
            await channel.stop()
            app.engine.dispose()
        messages = len(fake.sent) + len(fake.over_limit)
        per_member = messages / members
        floor = (math.ceil(per_member / 30) - 1) * PER_MEMBER[0].seconds
        print(f"{pushes} pushes to {members} members, API latency {latency * 1000:.0f} ms: "
              f"{messages} messages ({per_member:.0f} per member; a notice whose first line "
              "does not fit a card title is a text and a card)")
        print(f"sent {len(fake.sent)} in {elapsed:.1f} s: {len(fake.sent) / elapsed:.0f}/s "
              f"(the per-member limit alone needs at least {floor:.0f} s)")
        print(f"dropped by WeCom's per-member limits: {len(fake.over_limit)}")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=5000)
    parser.add_argument("--members", type=int, default=250)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    asyncio.run(run(args.pushes, args.members, args.latency))


if __name__ == "__main__":
    main()
