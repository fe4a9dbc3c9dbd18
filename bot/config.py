"""Configuration: MUSTER_* environment variables and an optional .env file."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
AUDIT_KEY_MIN = 16  # characters of MUSTER_AUDIT_KEY and MUSTER_HOTLINE_KEY


class ConfigError(Exception):
    """A configuration value is wrong; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Every knob of a Muster deployment. Built once in the entry point and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="MUSTER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///muster.db"
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    bot_username: str = "MusterBot"
    # Deprecated: the one Telegram library; MUSTER_CHANNELS replaces it (run.channel_names)
    channel: Literal["aiogram", "ptb"] | None = None
    channels: str | None = None  # comma list: aiogram, ptb, ...; None -> "aiogram"
    timezone: str = "Asia/Shanghai"
    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    redis_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0:8080"
    # The one HTTP server of a process: console (/console/), Telegram webhook, later channels
    web_listen: str = "127.0.0.1:8080"
    web_url: str | None = None  # public base URL of the web server: login and chat links
    office_contact: str = "政治处辅警办 0000-0000000 (工作日 9:00-17:30)"
    # The policy hotline's contact details, shown in /help and when a question goes to a person
    hotline_phone: str = "0000-0000000"
    hotline_email: str = "hotline@example.org"
    hotline_hours: str = "9:00-17:30"  # on working days; the locales say so
    invite_ttl_days: int = Field(default=14, ge=1, le=365)
    quiet_hours: str = "22:00-07:00"  # local; reminders and escalations wait until the end
    policies: dict[str, dict[str, Any]] = Field(default_factory=dict)  # per task kind
    tick_seconds: int = Field(default=60, ge=5, le=3600)
    # days an open task has at least when its person comes back from leave (请销假)
    leave_min_days: float = Field(default=2, ge=0, le=60)
    # The weekly check-in and unit register: opened and due at these local times
    checkin_open: str = "MON 09:00"
    checkin_due: str = "THU 12:00"
    # local time of the daily mentor digest that carries hazards and requests for help
    # from the check-ins when no escalation digest carried them earlier
    mentor_digest_at: str = "17:00"
    # The outbox sender. Telegram allows 30 messages/s overall, 1/s to one chat and
    # 20/min to one group; the defaults keep a margin below that.
    send_rate: float = Field(default=28, gt=0, le=1000)  # messages per second, all chats
    send_per_chat_interval: float = Field(default=1.0, ge=0, le=60)  # seconds between two
    send_group_per_minute: int = Field(default=20, ge=1, le=1000)
    send_concurrency: int = Field(default=8, ge=1, le=100)  # Bot API calls in flight
    send_max_attempts: int = Field(default=5, ge=1, le=50)  # network/5xx tries, then failed
    # WeCom / 政务微信 self-built app (bot/channels/wecom); the API host is configurable
    # because 政务微信 and private deployments run their own
    wecom_corp_id: str | None = None
    wecom_agent_id: int | None = Field(default=None, ge=1)
    wecom_secret: SecretStr | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None  # the 43-character EncodingAESKey
    wecom_api_url: str = "https://qyapi.weixin.qq.com"
    wecom_max_skew: int = Field(default=300, ge=0, le=86400)  # seconds; 0 = no check
    # Issue 21: a notice to more people than this, or marked sensitive, waits for a second
    # office staffer's approval; the pledge a successor mentor or leader is given
    notice_approval_over: int = Field(default=500, ge=0, le=10_000_000)
    responsibility_pledge: str = "responsibility"  # a pledge key; empty: no succession
    # HMAC-SHA256 key of the audit chain (storage/audit.py); `muster run` and `muster audit`
    # need it, the demo makes one and keeps it next to its database
    audit_key: SecretStr | None = None
    # Key that seals hotline askers' routes and messages (storage/sealed.py); kept outside
    # the database like the audit key. `muster run` needs it, the demo keeps one beside
    # its database
    hotline_key: SecretStr | None = None
    locales_dir: Path = ROOT / "locales"
    content_dir: Path = ROOT / "content"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_db(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("audit_key", "hotline_key")
    @classmethod
    def _long_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < AUDIT_KEY_MIN:
            raise ValueError(f"must be at least {AUDIT_KEY_MIN} characters")
        return value

    @field_validator("webhook_listen", "web_listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be HOST:PORT")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        if value.strip() in ("", "off"):
            return "off"
        try:
            start, end = value.split("-")
            for part in (start, end):
                hh, mm = part.strip().split(":")
                time(int(hh), int(mm))
        except ValueError as exc:
            raise ValueError("must be HH:MM-HH:MM or off") from exc
        return value

    @field_validator("checkin_open", "checkin_due")
    @classmethod
    def _weekly(cls, value: str) -> str:
        weekly_time(value)
        return value

    @field_validator("mentor_digest_at")
    @classmethod
    def _daily(cls, value: str) -> str:
        try:
            hh, mm = value.strip().split(":")
            return time(int(hh), int(mm)).strftime("%H:%M")
        except ValueError as exc:
            raise ValueError("must be HH:MM") from exc

    @field_validator("wecom_aes_key")
    @classmethod
    def _aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from bot.channels.wecom.crypto import decode_aes_key  # noqa: PLC0415

            decode_aes_key(value.get_secret_value())  # ValueError names what is wrong
        return value

    @field_validator("wecom_api_url")
    @classmethod
    def _wecom_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local gateway)")
        return value.rstrip("/")

    @property
    def quiet_window(self) -> tuple[time, time] | None:
        if self.quiet_hours == "off":
            return None
        start, end = self.quiet_hours.split("-")
        return time.fromisoformat(start.strip().zfill(5)), time.fromisoformat(end.strip().zfill(5))

    @property
    def audit_key_bytes(self) -> bytes | None:
        return None if self.audit_key is None else self.audit_key.get_secret_value().encode()

    @property
    def public_url(self) -> str:
        """Where people reach the web server: MUSTER_WEB_URL, else the listening address."""
        return (self.web_url or f"http://{self.web_listen}").rstrip("/")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def weekly_time(value: str) -> tuple[int, time]:
    """Weekday (Monday 0) and local time of a weekly moment: "THU 12:00" -> (3, 12:00)."""
    day, _, hhmm = value.strip().upper().partition(" ")
    try:
        hh, mm = hhmm.strip().split(":")
        at = time(int(hh), int(mm))
    except ValueError:
        at = None
    if day not in WEEKDAYS or at is None:
        raise ValueError("must be a weekday and a time, e.g. THU 12:00")
    return WEEKDAYS.index(day), at


def load_settings(**overrides: object) -> Settings:
    """Build Settings or raise ConfigError with one line naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        raise ConfigError(f"MUSTER_{field.upper()}: {err['msg']}") from None
