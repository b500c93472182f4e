"""The `driver` fixture: each scenario runs on the console, Telegram, the WeCom app and the
WeCom AI bot, each over the demo county.
"""

from __future__ import annotations

import pytest

from tests.scenarios.console_driver import ConsoleDriver
from tests.scenarios.driver import Driver
from tests.scenarios.telegram_driver import TelegramDriver
from tests.scenarios.wecom_driver import WeComAppDriver, WeComBotDriver

CHANNELS = ("console", "telegram", "wecom", "wecom_bot")


@pytest.fixture(params=CHANNELS)
def driver(request, demo, tmp_path) -> Driver:
    """A driver for one channel, its fake messenger running."""
    if request.param == "console":
        return ConsoleDriver(request.getfixturevalue("app"), tmp_path)
    if request.param == "telegram":
        return TelegramDriver(request.getfixturevalue("channel"),
                              request.getfixturevalue("api"))
    if request.param == "wecom":
        return WeComAppDriver(request.getfixturevalue("wecom"))
    return WeComBotDriver(request.getfixturevalue("aibot"))
