"""Log lines: configured secrets never reach the log, whatever the logger, message or traceback."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.logs import SecretFilter, configure_logging, settings_secrets
from bot.startup import StartupError
from tests.telegram_support import telegram_app

TOKEN = "654321:AAH-very-secret-token-part"
WEBHOOK_SECRET = "webhook-secret-value"
DB_PASSWORD = "p@ss:word/42"  # percent-encoded in the URL
DB_URL = "postgresql+psycopg://bot:p%40ss%3Aword%2F42@db.example.org:5432/liandong"
PROXY_URL = "socks5://me:proxy-secret@127.0.0.1:1080"


@pytest.fixture
def restored_logging():
    """Give the root logger back as it was (pytest's own handlers included)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def secret_settings(settings: Settings, **extra) -> Settings:
    """Settings holding every kind of secret we redact."""
    return settings.model_copy(update={
        "telegram_token": SecretStr(TOKEN), "telegram_webhook_secret": SecretStr(WEBHOOK_SECRET),
        "database_url": DB_URL, "telegram_proxy": SecretStr(PROXY_URL), **extra})


def test_the_secrets_of_the_settings(settings):
    found = settings_secrets(secret_settings(settings))
    assert {TOKEN, "AAH-very-secret-token-part", WEBHOOK_SECRET, DB_PASSWORD,
            "p%40ss%3Aword%2F42", "proxy-secret"} <= set(found)
    assert settings_secrets(settings) == []


def test_message_args_and_traceback_are_redacted(settings, tmp_path, restored_logging):
    log_file = tmp_path / "bot.log"
    configure_logging("INFO", log_file, settings_secrets(secret_settings(settings)))
    log = logging.getLogger("liandong.test")
    log.info("connecting to %s via %s", DB_URL, PROXY_URL)
    log.warning(f"webhook secret {WEBHOOK_SECRET} and password {DB_PASSWORD}")
    try:
        raise RuntimeError(f"request to https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        log.exception("sending failed")
    text = log_file.read_text(encoding="utf-8")
    assert "connecting to postgresql+psycopg://bot:***@db.example.org" in text
    assert "socks5://me:***@127.0.0.1:1080" in text
    assert "RuntimeError: request to https://api.telegram.org/bot***/getMe failed" in text
    for secret in (TOKEN, "very-secret", WEBHOOK_SECRET, DB_PASSWORD, "p%40ss", "proxy-secret"):
        assert secret not in text


def test_a_short_password_is_redacted_where_it_stands_in_a_url():
    redact = SecretFilter(["pw"]).redact
    assert redact("postgresql://bot:pw@host/db, pwd=1") == "postgresql://bot:***@host/db, pwd=1"


async def test_a_rejected_token_at_start_stays_out_of_the_debug_log(
        api, settings, engine, clock, tmp_path, restored_logging):
    app = telegram_app(settings, engine, clock, api, telegram_token=SecretStr(TOKEN),
                       log_level="DEBUG")
    log_file = tmp_path / "bot.log"
    configure_logging("DEBUG", log_file, settings_secrets(app.settings))
    channel = TelegramChannel(app)
    with pytest.raises(StartupError) as caught:
        await channel.start()
    assert str(caught.value) == ("invalid configuration: LIANDONG_TELEGRAM_TOKEN: the token was"
                                 " rejected by Telegram")
    text = log_file.read_text(encoding="utf-8")
    assert f"Set Bot API URL: {api.url}/bot***" in text  # PTB's own debug line
    assert "InvalidToken: The token `***` was rejected by the server." in text
    assert TOKEN not in text and "very-secret" not in text
