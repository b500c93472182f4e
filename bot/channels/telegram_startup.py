"""Why the Telegram channel could not start, as one line naming the setting to fix."""

from __future__ import annotations

from urllib.parse import urlsplit

from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut

from bot.config import Settings
from bot.startup import StartupError

BLOCKED_HINT = ("api.telegram.org is blocked in mainland China: set LIANDONG_TELEGRAM_PROXY to an "
                "http://, https:// or socks5:// proxy, or LIANDONG_TELEGRAM_API_URL to a "
                "self-hosted Bot API server")


def startup_error(exc: BaseException, settings: Settings) -> StartupError | None:
    """The start-up problem behind `exc`, or None when it is not one we can explain."""
    if isinstance(exc, InvalidToken):  # its own message repeats the token: never shown
        return StartupError("LIANDONG_TELEGRAM_TOKEN", "the token was rejected by Telegram")
    if isinstance(exc, BadRequest):  # a subclass of NetworkError, but Telegram did answer
        if settings.telegram_webhook_url:
            return StartupError("LIANDONG_TELEGRAM_WEBHOOK_URL",
                                f"Telegram refused the webhook: {exc.message}")
        return None
    if isinstance(exc, NetworkError):
        return unreachable(settings, "timed out" if isinstance(exc, TimedOut) else "no answer")
    if isinstance(exc, OSError) and settings.telegram_webhook_url:
        where = f"{settings.telegram_webhook_listen}:{settings.telegram_webhook_port}"
        reason = exc.strerror or type(exc).__name__
        return StartupError("LIANDONG_TELEGRAM_WEBHOOK_PORT",
                            f"cannot listen on {where} ({reason})")
    return None


def unreachable(settings: Settings, reason: str) -> StartupError:
    """The Bot API did not answer: through the proxy when one is set, else directly."""
    api = settings.telegram_api_url
    if settings.telegram_proxy is not None:
        proxy = urlsplit(settings.telegram_proxy.get_secret_value())
        shown = f"{proxy.scheme}://{proxy.hostname}" + (f":{proxy.port}" if proxy.port else "")
        return StartupError("LIANDONG_TELEGRAM_PROXY",
                            f"cannot reach the Telegram Bot API at {api} through the proxy "
                            f"{shown} ({reason})")
    return StartupError("LIANDONG_TELEGRAM_API_URL",
                        f"cannot reach the Telegram Bot API at {api} ({reason}; {BLOCKED_HINT})")
