"""Settings read from the environment and `.env` (prefix LIANDONG_), built once in main."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.channels.wecom_crypto import aes_key

SUPPORTED_LOCALES = ("zh_CN", "en")
DATABASE_BACKENDS = ("sqlite", "postgresql")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class Settings(BaseSettings):
    """Every setting of the bot; see `.env.example` for what each one means."""

    model_config = SettingsConfigDict(
        env_prefix="LIANDONG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Path("./data")
    database_url: str | None = None
    timezone: str = "Asia/Shanghai"
    locale: str = "zh_CN"
    log_level: str = "INFO"

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_bot_username: str | None = None
    telegram_paid_broadcast: bool = False  # Telegram Stars pay for up to 1,000 pushes a second
    telegram_proxy: SecretStr | None = None

    # WeCom (企业微信) self-built app; set the corp id to run on it (beside Telegram or alone)
    wecom_corp_id: str | None = None
    wecom_agent_id: int | None = None
    wecom_secret: SecretStr | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_api_url: str = "https://qyapi.weixin.qq.com"
    wecom_daily_quota: int = Field(default=100_000, ge=1)  # the app's messages a day
    # The bot's one HTTP server (WeCom callback, Telegram webhook, /healthz); when unset, the
    # Telegram webhook's listen address and port
    http_listen: str | None = None
    http_port: int | None = Field(default=None, ge=1, le=65535)
    wecom_callback_path: str = "/wecom/callback"
    # WeCom AI bot (智能机器人) over its long connection; set the bot id to run on it
    wecom_bot_id: str | None = None
    wecom_bot_secret: SecretStr | None = None
    wecom_bot_url: str = "wss://openws.work.weixin.qq.com"
    wecom_bot_lease_seconds: float = Field(default=30, ge=3, le=600)  # a dead holder's time

    @field_validator("wecom_bot_id", "wecom_bot_secret", mode="before")
    @classmethod
    def _wecom_bot_blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str | SecretStr) and not _plain(value).strip():
            return None
        return value

    @field_validator("wecom_bot_url")
    @classmethod
    def _wecom_bot_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with wss:// (or ws:// for a local test server)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _wecom_bot_complete(self) -> Settings:
        if self.wecom_bot_id is not None and self.wecom_bot_secret is None:
            raise ValueError("LIANDONG_WECOM_BOT_SECRET is required when "
                             "LIANDONG_WECOM_BOT_ID is set")
        return self

    @field_validator("wecom_corp_id", "wecom_agent_id", "wecom_secret", "wecom_token",
                     "wecom_aes_key", mode="before")
    @classmethod
    def _wecom_blank_is_unset(cls, value: object) -> object:
        """`LIANDONG_WECOM_X=` left empty in `.env` means "not set"."""
        if isinstance(value, str | SecretStr) and not _plain(value).strip():
            return None
        return value

    @field_validator("wecom_api_url")
    @classmethod
    def _wecom_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("wecom_aes_key")
    @classmethod
    def _wecom_aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            aes_key(value.get_secret_value())
        return value

    @field_validator("wecom_callback_path")
    @classmethod
    def _callback_path(cls, value: str) -> str:
        if not value.startswith("/") or value == "/healthz":
            raise ValueError("must be a path such as /wecom/callback")
        return value

    @property
    def web_address(self) -> tuple[str, int, str]:
        """(listen, port, the setting naming the port) of the bot's HTTP server."""
        if self.http_port is not None:
            return self.http_listen or self.telegram_webhook_listen, self.http_port, \
                "LIANDONG_HTTP_PORT"
        return self.http_listen or self.telegram_webhook_listen, self.telegram_webhook_port, \
            "LIANDONG_TELEGRAM_WEBHOOK_PORT"

    @model_validator(mode="after")
    def _wecom_complete(self) -> Settings:
        if self.wecom_corp_id is None:
            return self
        for name in ("wecom_agent_id", "wecom_secret", "wecom_token", "wecom_aes_key"):
            if getattr(self, name) is None:
                raise ValueError(f"LIANDONG_{name.upper()} is required when "
                                 "LIANDONG_WECOM_CORP_ID is set")
        return self

    invite_valid_days: int = Field(default=30, ge=1, le=365)
    townships: str = ""  # more townships than the roster names, comma-separated
    max_text_length: int = Field(default=4000, ge=100, le=100_000)
    max_photo_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_media_per_day: int = Field(default=100, ge=1, le=100_000)
    max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)  # a PDF or office document
    quiet_hours_start: time = time(22, 0)
    quiet_hours_end: time = time(7, 30)
    outbox_poll_seconds: float = Field(default=2.0, gt=0)

    escalation_ack_reminder_after: int = Field(default=2, ge=1, le=30)
    escalation_deadline_warning_before: int = Field(default=3, ge=0, le=30)
    escalation_leadership_after_overdue: int = Field(default=5, ge=1, le=60)
    escalation_verify_fallback_after: int = Field(default=3, ge=1, le=30)

    rate_limit_per_minute: int = Field(default=30, ge=1, le=10_000)
    invite_attempts_max: int = Field(default=5, ge=1, le=1000)
    invite_attempts_window_minutes: int = Field(default=10, ge=1, le=1440)

    extension_max_requests: int = Field(default=3, ge=0, le=20)
    extension_max_working_days: int = Field(default=30, ge=0, le=250)

    notice_reping_after_hours: float = Field(default=4, gt=0, le=168)

    campaign_start: date | None = None  # day 1 of the campaign (第1天); none: no day count
    briefing_time: time = time(16, 30)  # the daily briefing (每日调度通报), deployment time zone
    briefing_grace_hours: float = Field(default=2, gt=0, le=24)  # late but still sent, marked 迟发
    briefing_min_assigned: int = Field(default=3, ge=1, le=1000)  # fewer assigned: 样本不足

    @field_validator("campaign_start", mode="before")
    @classmethod
    def _blank_campaign_start(cls, value: object) -> object:
        """`LIANDONG_CAMPAIGN_START=` left empty means no campaign start date."""
        return None if isinstance(value, str) and not value.strip() else value
    # hours before an activity when those signed up are reminded: 1 to 5 offsets within a week
    event_reminder_hours: tuple[float, ...] = Field(default=(24.0, 2.0), min_length=1,
                                                    max_length=5)
    event_checkin_radius_m: int = Field(default=1000, ge=10, le=100_000)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("telegram_api_url", "telegram_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("database_url", "telegram_token", "telegram_proxy", "telegram_webhook_url",
                     "telegram_webhook_secret", "telegram_bot_username", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`LIANDONG_X=` left empty in `.env` means "not set", not an empty value."""
        if isinstance(value, str | SecretStr) and not _plain(value).strip():
            return None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is not None:
            parse_database_url(value)
        return value

    @field_validator("telegram_proxy")
    @classmethod
    def _proxy_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            scheme, _, rest = value.get_secret_value().partition("://")
            if scheme.lower() not in PROXY_SCHEMES or not rest:
                raise ValueError("must be an http://, https:// or socks5:// proxy URL")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError(
                "LIANDONG_TELEGRAM_WEBHOOK_SECRET is required when "
                "LIANDONG_TELEGRAM_WEBHOOK_URL is set"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The deployment's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'liandong.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        """Where received photos and files are stored, content-addressed."""
        return self.data_dir / "media"


def describe_validation_error(error: ValidationError) -> str:
    """One clear line naming the first bad setting."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "settings"
    name = f"LIANDONG_{field.upper()}" if first.get("loc") else "configuration"
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"invalid configuration: {name}: {message}"


def _plain(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def parse_database_url(value: str) -> URL:
    """The parsed URL of a database we can use; ValueError (never showing the URL) otherwise."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("not a database URL, e.g. postgresql+psycopg://user:password@host/db"
                         " or sqlite:///path/to/liandong.db") from None
    backend = url.get_backend_name()
    if backend not in DATABASE_BACKENDS:
        raise ValueError(f"unsupported database {backend!r} (use sqlite or postgresql)")
    try:
        url.get_dialect().import_dbapi()
    except (ImportError, ArgumentError):
        usable = "postgresql+psycopg" if backend == "postgresql" else "sqlite"
        raise ValueError(f"database driver {url.get_driver_name()!r} is not available"
                         f" (use {usable}://…)") from None
    return url
