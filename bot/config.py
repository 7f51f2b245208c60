"""Typed settings from the environment and the partnership's TOML file; fail fast and clearly."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.config_file import (
    CallSettings,
    ConfigError,
    Retention,
    SendLimits,
    WebChatSettings,
    calls_from,
    default_toml,
    desk_limits_from,
    partnership_from,
    read_toml,
    retention_from,
    send_limits_from,
    supervision_months_from,
    synchronous_from,
    telegram_details_from,
    webchat_from,
)
from bot.domain.desk import SessionLimits
from bot.domain.model import Partnership
from bot.domain.staff_notices import StaffSettings

__all__ = [
    "ConfigError", "Retention", "Retries", "SendLimits", "Settings", "StaffSettings",
    "load_settings",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str
    api_url: str | None = None  # another Bot API server; None for Telegram's
    # Set together: Telegram posts updates to PUBLIC_URL/telegram with this secret.
    public_url: str | None = None
    webhook_secret: str | None = None
    # TELEGRAM_READ_TIMEOUT_SECONDS: how long a Bot API call may go unanswered before it
    # counts as failed and the outbox tries again later; python-telegram-bot's own default.
    read_timeout: float = 5.0

    @property
    def webhook(self) -> bool:
        """Tell whether Telegram posts updates to us (else we poll)."""
        return self.public_url is not None


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    public_url: str  # Twilio signs the URL it calls, so we must know it exactly
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_url: str | None = None  # another REST base URL; None for Twilio's


@dataclass(frozen=True, slots=True)
class Retries:
    """How long the outbox waits before it sends a failed message again: doubling, jittered."""

    # JOURBOT_RETRY_FIRST_SECONDS: short enough for a blip, long enough not to hammer a
    # provider that is down.
    first_seconds: float = 2.0
    # JOURBOT_RETRY_LONGEST_SECONDS: however long an outage, a message is tried at least
    # this often, so it goes soon after the provider is back.
    longest_seconds: float = 600.0


@dataclass(frozen=True, slots=True)
class DeskSettings:
    """Where the staff desk is reached, and how long its sign-ins last."""

    # PUBLIC_URL when set, else the local address: the origin passkeys are bound to and
    # links point at.
    public_url: str
    limits: SessionLimits = field(default_factory=SessionLimits)

    @property
    def url(self) -> str:
        """The desk's own address, e.g. https://jour.example.se/desk."""
        return self.public_url.rstrip("/") + "/desk"


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path
    host: str
    port: int
    partnership: Partnership
    default_locale: str
    sweep_minutes: int
    retention: Retention
    send_limits: SendLimits = field(default_factory=SendLimits)
    # How SQLite commits: "full" waits until a commit is on disk, so nothing a provider was
    # told we have can be lost to a power cut; "normal" is faster and can lose the last few.
    synchronous: str = "full"
    retries: Retries = field(default_factory=Retries)
    telegram: TelegramSettings | None = None
    twilio: TwilioSettings | None = None
    secret_keys: tuple[bytes, ...] = ()  # current first, then older ones still to open
    insecure: bool = False  # explicitly run a channel without encryption at rest
    unconfirmed: tuple[str, ...] = ()  # config tables still marked as placeholders
    desk: DeskSettings = field(default_factory=lambda: DeskSettings("http://127.0.0.1:8080"))
    # [staff] telegram_details: staff chats get the seeker's details, not only a reference.
    telegram_details: bool = False
    supervision_months: int = 3  # [staff] supervision_months
    webchat: WebChatSettings = field(default_factory=WebChatSettings)
    calls: CallSettings = field(default_factory=CallSettings)

    @property
    def staff(self) -> StaffSettings:
        """What Telegram carries to staff, and where the desk it links to is."""
        calling = frozenset(org for org, _ in self.calls.numbers) if self.twilio else frozenset()
        return StaffSettings(self.telegram_details, self.desk.url, calling, self.supervision_months)


def load_settings(env: Mapping[str, str]) -> Settings:
    """Read every setting from *env* and the TOML file it names, or raise ConfigError."""

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    def url(name: str) -> str | None:
        value = get(name)
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"{name}: not an http(s) URL")
        return value

    public_url = url("PUBLIC_URL")
    telegram = None
    if token := get("TELEGRAM_BOT_TOKEN"):
        secret = get("TELEGRAM_WEBHOOK_SECRET")
        if public_url and not secret:
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET: required when PUBLIC_URL is set")
        if secret is not None and not secret.replace("_", "").replace("-", "").isalnum():
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET: only letters, digits, _ and - are allowed")
        read_timeout = _seconds(
            "TELEGRAM_READ_TIMEOUT_SECONDS",
            get("TELEGRAM_READ_TIMEOUT_SECONDS"),
            TelegramSettings(token).read_timeout,
        )
        telegram = TelegramSettings(
            token, url("TELEGRAM_API_URL"), public_url, secret, read_timeout
        )

    twilio = None
    if account_sid := get("TWILIO_ACCOUNT_SID"):
        auth_token = get("TWILIO_AUTH_TOKEN")
        if auth_token is None:
            raise ConfigError("TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set")
        if public_url is None:
            raise ConfigError("PUBLIC_URL: required when TWILIO_ACCOUNT_SID is set")
        from_number, service = get("TWILIO_FROM_NUMBER"), get("TWILIO_MESSAGING_SERVICE_SID")
        if not (from_number or service):
            raise ConfigError(
                "TWILIO_FROM_NUMBER: set it or TWILIO_MESSAGING_SERVICE_SID to send SMS"
            )
        twilio = TwilioSettings(
            account_sid, auth_token, public_url, from_number, service, url("TWILIO_API_URL")
        )

    config_name = get("JOURBOT_CONFIG")
    table = read_toml(Path(config_name)) if config_name else default_toml()
    where = "JOURBOT_CONFIG" if config_name else "default config"
    partnership, default_locale, sweep_minutes, unconfirmed = partnership_from(table, where)
    send_limits = send_limits_from(table, where)
    synchronous = synchronous_from(table, where)
    retention = retention_from(table, where)
    host, port = get("JOURBOT_HOST") or "127.0.0.1", _port(get("JOURBOT_PORT"))
    desk = DeskSettings(public_url or _local_url(host, port), desk_limits_from(table, where))

    return Settings(
        db_path=Path(get("JOURBOT_DB") or "jourbot.db"),
        host=host,
        port=port,
        partnership=partnership,
        default_locale=default_locale,
        sweep_minutes=sweep_minutes,
        retention=retention,
        telegram_details=telegram_details_from(table, where),
        supervision_months=supervision_months_from(table, where),
        webchat=webchat_from(table, where),
        calls=calls_from(table, where),
        send_limits=send_limits,
        synchronous=synchronous,
        retries=_retries(get("JOURBOT_RETRY_FIRST_SECONDS"), get("JOURBOT_RETRY_LONGEST_SECONDS")),
        telegram=telegram,
        twilio=twilio,
        secret_keys=_keys(get("JOURBOT_SECRET_KEY")),
        insecure=get("JOURBOT_INSECURE_NO_ENCRYPTION") == "1",
        unconfirmed=unconfirmed,
        desk=desk,
    )


def _local_url(host: str, port: int) -> str:
    """The service's own address, where staff open the desk when there is no PUBLIC_URL."""
    netloc = f"[{host}]" if ":" in host else host  # an IPv6 address goes in brackets
    return f"http://{netloc}:{port}"


def _keys(value: str | None) -> tuple[bytes, ...]:
    """Read 'current[,old,...]' 32-byte keys in base64url, as `jourbot keygen` prints them."""
    if value is None:
        return ()
    keys = []
    for part in (p.strip() for p in value.split(",")):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ConfigError("JOURBOT_SECRET_KEY: each key must be 32 bytes in base64url")
        keys.append(raw)
    return tuple(keys)


def _retries(first: str | None, longest: str | None) -> Retries:
    defaults = Retries()
    retries = Retries(
        _seconds("JOURBOT_RETRY_FIRST_SECONDS", first, defaults.first_seconds),
        _seconds("JOURBOT_RETRY_LONGEST_SECONDS", longest, defaults.longest_seconds),
    )
    if retries.longest_seconds < retries.first_seconds:
        raise ConfigError(
            "JOURBOT_RETRY_LONGEST_SECONDS: must not be shorter than JOURBOT_RETRY_FIRST_SECONDS"
        )
    return retries


def _seconds(name: str, value: str | None, default: float) -> float:
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigError(f"{name}: must be a number of seconds above 0")
    return seconds


def require_encryption(settings: Settings) -> None:
    """Refuse to serve real channels with personal data stored in the clear."""
    channels = settings.telegram is not None or settings.twilio is not None
    if channels and not settings.secret_keys and not settings.insecure:
        raise ConfigError(
            "JOURBOT_SECRET_KEY: required to store personal data encrypted (`jourbot keygen` "
            "makes one); JOURBOT_INSECURE_NO_ENCRYPTION=1 only for a test deployment"
        )


def _port(value: str | None) -> int:
    if value is None:
        return 8080
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError("JOURBOT_PORT: must be a whole number from 1 to 65535")
    return int(value)
