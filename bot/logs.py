"""Logging setup: one line per event handled; errors with their traceback; secrets redacted."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.config import Settings

REDACTED = "***"
SHORTEST_SECRET = 6  # shorter strings are redacted only where they stand as a URL password
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "telegram.ext.Updater", "transitions")
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
HANDLER_NAME = "liandong"


class SecretFilter(logging.Filter):
    """Replaces every configured secret in a record: its message, args and exception text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._exceptions = logging.Formatter()

    def redact(self, text: str) -> str:
        """`text` with each secret replaced by ***."""
        for secret in self.secrets:
            text = text.replace(f":{secret}@", f":{REDACTED}@")
            if len(secret) >= SHORTEST_SECRET:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (always keeps it)."""
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it
            return True
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._exceptions.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def settings_secrets(settings: Settings) -> list[str]:
    """The secrets a log line must never show: tokens, the webhook secret, passwords in URLs."""
    found: list[str] = []
    if settings.telegram_token is not None:
        token = settings.telegram_token.get_secret_value()
        found += [token, token.partition(":")[2]]
    if settings.telegram_webhook_secret is not None:
        found.append(settings.telegram_webhook_secret.get_secret_value())
    if settings.telegram_proxy is not None:
        found += _url_password(settings.telegram_proxy.get_secret_value())
    if settings.database_url:
        found += _url_password(settings.database_url)
    found += [secret.get_secret_value() for secret in (
        settings.wecom_secret, settings.wecom_token, settings.wecom_aes_key,
        settings.wecom_bot_secret) if secret]
    return [secret for secret in found if secret]


def _url_password(url: str) -> list[str]:
    """The password of a URL as written (percent-encoded) and decoded."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return [password, unquote(password)] if password else []


def configure_logging(level: str, file: Path | None = None,
                      secrets: Iterable[str] = ()) -> None:
    """Log to stderr, or to `file` (the console channel keeps the terminal for the dialog)."""
    handler: logging.Handler
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.name = HANDLER_NAME
    handler.setFormatter(logging.Formatter(LINE_FORMAT))
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    for old in root.handlers:
        if old.name == HANDLER_NAME:  # ours from an earlier call: release its file
            old.close()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
