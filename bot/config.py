"""Typed settings from the environment and the partnership's TOML file; fail fast and clearly."""

from __future__ import annotations

import base64
import binascii
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.model import District, Numbers, OpenEvening, Organisation, Partnership
from bot.domain.routing import match_district

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


@dataclass(frozen=True, slots=True)
class Window:
    """A local time window; it may run past midnight (21:00-08:00)."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str
    api_url: str | None = None  # another Bot API server; None for Telegram's
    # Set together: Telegram posts updates to PUBLIC_URL/telegram with this secret.
    public_url: str | None = None
    webhook_secret: str | None = None

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
class Retention:
    """How long personal data is kept; the anonymous statistics stay."""

    closed_case_days: int = 183  # about six months after a case closes
    abandoned_intake_days: int = 7
    inbound_id_days: int = 30  # message ids kept to spot a provider's retries


@dataclass(frozen=True, slots=True)
class SendLimits:
    """How fast the outbox may send: the providers' own limits, with a margin."""

    telegram_per_second: float = 25.0  # Telegram: about 30 a second in all
    telegram_chat_interval: float = 1.0  # ... and one a second to one chat
    sms_per_second: float = 1.0  # a Twilio long code: about one SMS a second


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path
    host: str
    port: int
    partnership: Partnership
    default_locale: str
    sweep_minutes: int
    retention: Retention
    send_limits: SendLimits = SendLimits()
    telegram: TelegramSettings | None = None
    twilio: TwilioSettings | None = None
    secret_keys: tuple[bytes, ...] = ()  # current first, then older ones still to open
    insecure: bool = False  # explicitly run a channel without encryption at rest
    unconfirmed: tuple[str, ...] = ()  # config tables still marked as placeholders


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
        telegram = TelegramSettings(token, url("TELEGRAM_API_URL"), public_url, secret)

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
    table = _read_toml(Path(config_name)) if config_name else _default_toml()
    where = "JOURBOT_CONFIG" if config_name else "default config"
    partnership, default_locale, sweep_minutes, unconfirmed = _partnership(table, where)
    sending, limits = _Table(table, where).table("sending"), SendLimits()
    send_limits = SendLimits(
        telegram_per_second=sending.rate("telegram_per_second", limits.telegram_per_second),
        telegram_chat_interval=sending.rate(
            "telegram_chat_interval", limits.telegram_chat_interval
        ),
        sms_per_second=sending.rate("sms_per_second", limits.sms_per_second),
    )
    kept, defaults = _Table(table, where).table("retention"), Retention()
    retention = Retention(
        closed_case_days=kept.whole("closed_case_days", defaults.closed_case_days),
        abandoned_intake_days=kept.whole("abandoned_intake_days", defaults.abandoned_intake_days),
        inbound_id_days=kept.whole("inbound_id_days", defaults.inbound_id_days),
    )

    return Settings(
        db_path=Path(get("JOURBOT_DB") or "jourbot.db"),
        host=get("JOURBOT_HOST") or "127.0.0.1",
        port=_port(get("JOURBOT_PORT")),
        partnership=partnership,
        default_locale=default_locale,
        sweep_minutes=sweep_minutes,
        retention=retention,
        send_limits=send_limits,
        telegram=telegram,
        twilio=twilio,
        secret_keys=_keys(get("JOURBOT_SECRET_KEY")),
        insecure=get("JOURBOT_INSECURE_NO_ENCRYPTION") == "1",
        unconfirmed=unconfirmed,
    )


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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"JOURBOT_CONFIG: cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"JOURBOT_CONFIG: {path} is not valid TOML: {exc}") from exc


def _default_toml() -> dict[str, Any]:
    text = resources.files("bot").joinpath("default_config.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


class _Table:
    """A TOML table that names the full path of any bad key in its errors."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: must be a table")
        self.data: dict[str, Any] = data
        self.where = where

    def _fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}.{key}: {problem}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self._fail(key, "must be a non-empty string")
        return value.strip()

    def whole(self, key: str, default: int) -> int:
        value = self.data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise self._fail(key, "must be a positive whole number")
        return value

    def rate(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise self._fail(key, "must be a number, 0 or more")
        return float(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "must be true or false")
        return value

    def window(self, key: str, default: str) -> Window:
        text = self.text(key, default)
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError:
            raise self._fail(key, 'must look like "18:00-21:00"') from None
        return Window(start, end)

    def table(self, key: str) -> _Table:
        return _Table(self.data.get(key, {}), f"{self.where}.{key}")

    def tables(self, key: str) -> list[_Table]:
        items = self.data.get(key)
        if not isinstance(items, list) or not items:
            raise self._fail(key, "must be a non-empty list of tables")
        return [_Table(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(items)]


def _partnership(data: dict[str, Any], where: str) -> tuple[Partnership, str, int, tuple[str, ...]]:
    root = _Table(data, where)
    timezone = root.text("timezone", "Europe/Stockholm")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}.timezone: unknown time zone {timezone!r}") from None
    unconfirmed: list[str] = []

    organisations = []
    for t in root.tables("organisations"):
        org = Organisation(
            id=t.text("id"),
            name=t.text("name"),
            phone=t.text("phone"),
            email=t.text("email", ""),
            web=t.text("web", ""),
        )
        organisations.append(org)
        if t.flag("unconfirmed"):
            unconfirmed.append(f"organisation {org.id}")
    org_ids = {org.id for org in organisations}
    if len(org_ids) != len(organisations):
        raise ConfigError(f"{where}.organisations: two organisations share an id")

    districts = []
    for t in root.tables("districts"):
        org_id = t.text("org")
        if org_id not in org_ids:
            raise ConfigError(f"{t.where}.org: no organisation with id {org_id!r}")
        aliases = t.data.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"{t.where}.aliases: must be a list of strings")
        districts.append(District(t.text("id"), t.text("name"), org_id, tuple(aliases)))

    routing = root.table("routing")
    young, default = routing.text("young"), routing.text("default")
    for key, org_id in (("young", young), ("default", default)):
        if org_id not in org_ids:
            raise ConfigError(f"{routing.where}.{key}: no organisation with id {org_id!r}")

    n = root.table("numbers")
    defaults = Numbers()
    numbers = Numbers(
        emergency=n.text("emergency", defaults.emergency),
        police=n.text("police", defaults.police),
        national_line=n.text("national_line", defaults.national_line),
        womens_line=n.text("womens_line", defaults.womens_line),
        children_line=n.text("children_line", defaults.children_line),
    )

    open_evening = None
    if "open_evening" in data:
        oe = root.table("open_evening")
        day = oe.text("weekday").casefold()
        if day not in _WEEKDAYS:
            raise ConfigError(f"{oe.where}.weekday: must be a weekday in English, e.g. monday")
        hours = oe.window("hours", "18:00-20:00")
        open_evening = OpenEvening(_WEEKDAYS.index(day), hours.start, hours.end, oe.text("phone"))
        if oe.flag("unconfirmed"):
            unconfirmed.append("open_evening")

    followup = root.table("followup")
    evening = followup.window("evening", "18:00-21:00")
    quiet = followup.window("quiet_hours", "21:00-08:00")
    reminder_at = followup.text("evening_reminder_at", "15:00")
    try:
        evening_reminder_at = time.fromisoformat(reminder_at)
    except ValueError:
        raise ConfigError(f"{followup.where}.evening_reminder_at: must look like 15:00") from None
    partnership = Partnership(
        organisations=tuple(organisations),
        districts=tuple(districts),
        default_org_id=default,
        young_org_id=young,
        numbers=numbers,
        open_evening=open_evening,
        first_contact_hours=followup.whole("first_contact_hours", 72),
        evening_start=evening.start,
        evening_end=evening.end,
        timezone=timezone,
        quiet_start=quiet.start,
        quiet_end=quiet.end,
        unassigned_hours=followup.whole("unassigned_hours", 12),
        warning_hours=followup.whole("warning_hours", 24),
        evening_reminder_at=evening_reminder_at,
    )
    _check_aliases(partnership, where)
    sweep_minutes = followup.whole("sweep_minutes", 5)
    return partnership, root.text("default_locale", "sv"), sweep_minutes, tuple(unconfirmed)


def _check_aliases(partnership: Partnership, where: str) -> None:
    """Refuse a name that would match two districts, so routing is never a coin toss."""
    for district in partnership.districts:
        for name in (district.name, *district.aliases):
            found = match_district(partnership, name)
            if found is not None and found.id != district.id:
                raise ConfigError(
                    f"{where}.districts: {name!r} names both {found.id} and {district.id}"
                )
