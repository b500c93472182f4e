"""`liandong run` start-up mistakes print one line naming the setting, exit 2, no traceback."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.channels.telegram_startup import BLOCKED_HINT
from bot.config import Settings
from bot.runtime import running_scheduler
from tests.fake_bot_api import FakeBotApi
from tests.telegram_support import ALICE, free_port

TIMEOUT = 180
WRONG_TOKEN = "123456:WRONG-secret-token-value"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO) \S+ ")


def bot_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The process environment without any LIANDONG_ setting, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANDONG_")}
    env["LIANDONG_DATA_DIR"] = str(data_dir)
    env.update({f"LIANDONG_{name.upper()}": value for name, value in settings.items()})
    return env


def liandong(data_dir: Path, *args: str, stdin: str = "", cwd: Path | None = None,
             **settings: str) -> subprocess.CompletedProcess:
    """`python -m bot ARGS` in a scratch directory (no .env unless the test wrote one)."""
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, env=bot_env(data_dir, **settings),
                          cwd=cwd or data_dir.parent, timeout=TIMEOUT, check=False)


async def started_bot(data_dir: Path, *args: str, **settings: str) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` running beside the test's event loop (where the fake Bot API is)."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=bot_env(data_dir, **settings),
        cwd=data_dir.parent, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def finished(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """Exit code and stderr of a process started with `started_bot`."""
    _, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    return process.returncode, err.decode()


def assert_one_line(result_code: int, stderr: str, line: str) -> None:
    """Exit code 2 and `line` as the last line of stderr, the only one that is not a log line."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert [text for text in lines if not LOG_LINE.match(text)] == [line], stderr
    assert lines[-1] == line
    assert result_code == 2


# --- the database and the data directory ----------------------------------------------------

@pytest.mark.parametrize(("url", "reason"), [
    ("mysql+pymysql://bot:hunter2@db.example.org/liandong",
     "unsupported database 'mysql' (use sqlite or postgresql)"),
    ("hunter2 is not a url", "not a database URL, e.g. postgresql+psycopg://user:password@host/db"
                             " or sqlite:///path/to/liandong.db"),
    ("postgresql://bot:hunter2@db.example.org/liandong",
     "database driver 'psycopg2' is not available (use postgresql+psycopg://…)"),
])
def test_a_database_url_we_cannot_use_is_one_line(tmp_path, url, reason):
    result = liandong(tmp_path / "data", "run", database_url=url)
    assert_one_line(result.returncode, result.stderr,
                    f"invalid configuration: LIANDONG_DATABASE_URL: {reason}")
    assert "hunter2" not in result.stderr + result.stdout


def test_an_unreachable_postgresql_is_one_line_without_the_password(tmp_path):
    port = free_port()
    url = f"postgresql+psycopg://postgres:hunter2@127.0.0.1:{port}/test"
    result = liandong(tmp_path / "data", "run", database_url=url)
    assert_one_line(result.returncode, result.stderr,
                    "invalid configuration: LIANDONG_DATABASE_URL: cannot connect to PostgreSQL"
                    f" at 127.0.0.1:{port} (Connection refused)")
    assert "hunter2" not in result.stderr + result.stdout


def test_a_data_dir_that_cannot_be_created_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    data = blocker / "data"
    result = liandong(data, "run", cwd=tmp_path)
    assert_one_line(result.returncode, result.stderr,
                    f"invalid configuration: LIANDONG_DATA_DIR: cannot write to {data}"
                    " (Not a directory)")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_data_dir_is_one_line(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o500)
    try:
        result = liandong(data, "run")
    finally:
        data.chmod(0o700)
    assert_one_line(result.returncode, result.stderr,
                    f"invalid configuration: LIANDONG_DATA_DIR: cannot write to {data}"
                    " (Permission denied)")


def test_blank_settings_in_the_env_file_are_not_set(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("LIANDONG_"):
            monkeypatch.delenv(name)
    env_file = tmp_path / ".env"
    env_file.write_text("LIANDONG_TELEGRAM_TOKEN=\nLIANDONG_DATABASE_URL=\n"
                        "LIANDONG_TELEGRAM_WEBHOOK_URL=  \n", encoding="utf-8")
    settings = Settings(_env_file=env_file)
    assert settings.telegram_token is None and settings.database_url is None
    assert settings.telegram_webhook_url is None


def test_an_empty_token_in_the_env_file_means_the_console(tmp_path):
    (tmp_path / ".env").write_text("LIANDONG_TELEGRAM_TOKEN=\nLIANDONG_TELEGRAM_PROXY=\n",
                                   encoding="utf-8")
    result = liandong(tmp_path / "data", "run", stdin="/help\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "data" / "console.log").exists(), "the console channel ran"


# --- Telegram -------------------------------------------------------------------------------

async def test_a_rejected_token_is_one_line_without_the_token(tmp_path):
    async with FakeBotApi() as api:  # it knows another token: 401 Unauthorized
        bot = await started_bot(tmp_path / "data", "run", telegram_token=WRONG_TOKEN,
                                telegram_api_url=api.url)
        code, stderr = await finished(bot)
    assert_one_line(code, stderr, "invalid configuration: LIANDONG_TELEGRAM_TOKEN: the token was"
                                  " rejected by Telegram")
    assert "WRONG" not in stderr


async def test_debug_logs_of_a_rejected_token_never_show_it(tmp_path):
    async with FakeBotApi() as api:
        bot = await started_bot(tmp_path / "data", "run", telegram_token=WRONG_TOKEN,
                                telegram_api_url=api.url, log_level="DEBUG")
        code, stderr = await finished(bot)
    assert code == 2
    assert stderr.strip().splitlines()[-1] == ("invalid configuration: LIANDONG_TELEGRAM_TOKEN:"
                                               " the token was rejected by Telegram")
    assert f"Set Bot API URL: {api.url}/bot***" in stderr  # PTB logs its URL with the token
    assert "rejected by the server" in stderr  # PTB's own error, with the token in it
    assert "WRONG-secret-token-value" not in stderr


async def test_an_unreachable_bot_api_is_one_line_with_the_way_out(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    bot = await started_bot(tmp_path / "data", "run", telegram_token=WRONG_TOKEN,
                            telegram_api_url=url)
    code, stderr = await finished(bot)
    assert_one_line(code, stderr, "invalid configuration: LIANDONG_TELEGRAM_API_URL: cannot reach"
                                  f" the Telegram Bot API at {url} (no answer; {BLOCKED_HINT})")
    assert "LIANDONG_TELEGRAM_PROXY" in BLOCKED_HINT and "mainland China" in BLOCKED_HINT


async def test_an_unreachable_proxy_is_named(tmp_path):
    port = free_port()
    bot = await started_bot(tmp_path / "data", "run", telegram_token=WRONG_TOKEN,
                            telegram_proxy=f"socks5://user:hunter2@127.0.0.1:{port}")
    code, stderr = await finished(bot)
    assert_one_line(code, stderr, "invalid configuration: LIANDONG_TELEGRAM_PROXY: cannot reach"
                                  " the Telegram Bot API at https://api.telegram.org through the"
                                  f" proxy socks5://127.0.0.1:{port} (no answer)")
    assert "hunter2" not in stderr


# --- a normal stop ----------------------------------------------------------------------------

@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_the_bot_quietly(tmp_path, stop):
    data = tmp_path / "data"
    async with FakeBotApi() as api:
        bot = await started_bot(data, "run", "--demo-if-empty", telegram_token=api.token,
                                telegram_api_url=api.url)
        try:
            await api.wait_for(lambda: api.calls_to("getUpdates"), timeout=TIMEOUT)
            api.user_message(ALICE, "/help")
            await api.wait_for(lambda: api.sent_texts(ALICE), timeout=TIMEOUT)
        finally:
            if bot.returncode is None:
                bot.send_signal(stop)
        code, stderr = await finished(bot)
    assert code == 0, stderr
    assert "Traceback" not in stderr and "CancelledError" not in stderr, stderr
    assert "transitions.core" not in stderr, "no per-callback lines from transitions"
    events = [line for line in stderr.splitlines() if "liandong.events" in line]
    assert len(events) == 1 and "what=/help" in events[0]


def test_the_console_ends_quietly_at_the_end_of_input(tmp_path):
    data = tmp_path / "data"
    result = liandong(data, "run", "--demo-if-empty", stdin="/whoami\n")
    assert result.returncode == 0, result.stderr
    log = (data / "console.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and "CancelledError" not in log, log
    assert "transitions.core" not in log
    assert "escalation sweep" in log, "the sweep that ran at start finished before the exit"


async def test_a_stop_waits_for_a_running_job_instead_of_cancelling_it(caplog):
    started, release, finished_jobs = threading.Event(), threading.Event(), []

    def sweep() -> None:
        started.set()
        release.wait(TIMEOUT)
        finished_jobs.append("sweep")

    scheduler = AsyncIOScheduler(timezone="Asia/Shanghai")
    scheduler.add_job(sweep, next_run_time=datetime.now(UTC))
    running = running_scheduler(scheduler)
    await running.__aenter__()
    assert await asyncio.to_thread(started.wait, TIMEOUT)
    stopping = asyncio.create_task(running.__aexit__(None, None, None))
    await asyncio.sleep(0)
    assert not stopping.done(), "the stop waits for the sweep"
    release.set()
    await asyncio.wait_for(stopping, TIMEOUT)
    assert finished_jobs == ["sweep"] and not scheduler.running
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
