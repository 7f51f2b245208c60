"""The partnership's TOML file: organisations, districts, follow-up rules, sending, retention."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.desk import SessionLimits
from bot.domain.model import (
    District,
    Numbers,
    OpenEvening,
    Organisation,
    Partnership,
    Referral,
)
from bot.domain.routing import match_district
from bot.domain.training import SUPERVISION_MONTHS
from bot.domain.typed import normalise_phone

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


@dataclass(frozen=True, slots=True)
class Window:
    """A local time window; it may run past midnight (21:00-08:00)."""

    start: time
    end: time


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


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"JOURBOT_CONFIG: cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"JOURBOT_CONFIG: {path} is not valid TOML: {exc}") from exc


def default_toml() -> dict[str, Any]:
    text = resources.files("bot").joinpath("default_config.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


class Table:
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

    def table(self, key: str) -> Table:
        return Table(self.data.get(key, {}), f"{self.where}.{key}")

    def tables_or_none(self, key: str) -> list[Table]:
        """The list of tables under *key*, or none if it is not given."""
        return self.tables(key) if key in self.data else []

    def tables(self, key: str) -> list[Table]:
        items = self.data.get(key)
        if not isinstance(items, list) or not items:
            raise self._fail(key, "must be a non-empty list of tables")
        return [Table(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(items)]


def partnership_from(
    data: dict[str, Any], where: str
) -> tuple[Partnership, str, int, tuple[str, ...]]:
    root = Table(data, where)
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
        referrals=referrals_from(data, where),
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


def retention_from(data: dict[str, Any], where: str) -> Retention:
    """Read the [retention] table."""
    kept, defaults = Table(data, where).table("retention"), Retention()
    return Retention(
        closed_case_days=kept.whole("closed_case_days", defaults.closed_case_days),
        abandoned_intake_days=kept.whole("abandoned_intake_days", defaults.abandoned_intake_days),
        inbound_id_days=kept.whole("inbound_id_days", defaults.inbound_id_days),
    )


def desk_limits_from(data: dict[str, Any], where: str) -> SessionLimits:
    """Read the [desk] table: how long sign-in links and sessions live."""
    desk, defaults = Table(data, where).table("desk"), SessionLimits()
    link = desk.whole("link_minutes", int(defaults.link.total_seconds() // 60))
    idle = desk.whole("idle_minutes", int(defaults.idle.total_seconds() // 60))
    absolute = desk.whole("absolute_hours", int(defaults.absolute.total_seconds() // 3600))
    if link > 24 * 60 or idle > absolute * 60:
        raise ConfigError(
            f"{where}.desk: link_minutes at most 1440, and idle_minutes no longer than "
            "absolute_hours"
        )
    return SessionLimits(
        link=timedelta(minutes=link), idle=timedelta(minutes=idle),
        absolute=timedelta(hours=absolute),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class WebChatSettings:
    """The web chat: how its page looks to someone else who sees the screen or the history,
    where it may be embedded, and how much it takes before it asks or refuses."""

    title: str = "Väder"  # the tab's and the history's title: neutral
    exit_url: str = "https://www.smhi.se/"  # where quick exit goes: a neutral site
    # Sites that may show the chat in a frame (the widget); none: only the chat's own tab.
    embed_on: tuple[str, ...] = ()
    new_chats_per_hour: int = 10  # per client (a keyed hash of its address)
    open_chats_at_most: int = 3000  # chats with a page open; beyond, new ones are refused
    challenge_from: int = 2000  # open chats from which a new one must solve a small puzzle
    challenge_bits: int = 16  # the puzzle: a hash with this many leading zero bits


def webchat_from(data: dict[str, Any], where: str) -> WebChatSettings:
    """Read the [webchat] table."""
    chat, defaults = Table(data, where).table("webchat"), WebChatSettings()
    exit_url = chat.text("exit_url", defaults.exit_url)
    if not exit_url.startswith("https://"):
        raise ConfigError(f"{where}.webchat.exit_url: an https:// address")
    embed_on = chat.data.get("embed_on", [])
    if not isinstance(embed_on, list) or not all(
        isinstance(site, str) and _is_origin(site) for site in embed_on
    ):
        raise ConfigError(
            f"{where}.webchat.embed_on: a list of https:// origins such as "
            '"https://www.example.org" (no path)'
        )
    bits = chat.whole("challenge_bits", defaults.challenge_bits)
    if bits > 24:
        raise ConfigError(f"{where}.webchat.challenge_bits: at most 24 (a phone must solve it)")
    return WebChatSettings(
        title=chat.text("title", defaults.title),
        exit_url=exit_url,
        embed_on=tuple(embed_on),
        new_chats_per_hour=chat.whole("new_chats_per_hour", defaults.new_chats_per_hour),
        open_chats_at_most=chat.whole("open_chats_at_most", defaults.open_chats_at_most),
        challenge_from=chat.whole("challenge_from", defaults.challenge_from),
        challenge_bits=bits,
    )


@dataclass(frozen=True, slots=True)
class CallSettings:
    """Calls the service places through an association's own number (Twilio Voice)."""

    # organisation id -> its Twilio number with Voice, E.164; an organisation not listed
    # places no calls (its volunteers call themselves and log the attempt, as before).
    numbers: tuple[tuple[str, str], ...] = ()
    per_day: int = 40  # calls one organisation may place in a (Stockholm) day: the cost cap
    ring_volunteer_seconds: int = 25  # the volunteer's own phone, before the call is dropped
    ring_seeker_seconds: int = 30  # the seeker's phone, before it counts as no answer

    def number(self, org_id: str) -> str | None:
        """Return the number *org_id*'s calls come from, or None if it places none."""
        return dict(self.numbers).get(org_id)


def calls_from(data: dict[str, Any], where: str) -> CallSettings:
    """Read the [calls] table and each organisation's voice_number."""
    calls, defaults = Table(data, where).table("calls"), CallSettings()
    numbers = []
    for org in Table(data, where).tables("organisations"):
        given = org.data.get("voice_number")
        if given is None:
            continue
        number = normalise_phone(given) if isinstance(given, str) else None
        if number is None:
            raise ConfigError(
                f'{org.where}.voice_number: the association\'s Twilio number, e.g. "+46812345678"'
            )
        numbers.append((org.text("id"), number))
    rings = {}
    for key in ("ring_volunteer_seconds", "ring_seeker_seconds"):
        rings[key] = calls.whole(key, getattr(defaults, key))
        if not 5 <= rings[key] <= 600:
            raise ConfigError(f"{where}.calls.{key}: 5 to 600 (Twilio's limits)")
    return CallSettings(
        numbers=tuple(numbers), per_day=calls.whole("per_day", defaults.per_day), **rings
    )


def referrals_from(data: dict[str, Any], where: str) -> tuple[Referral, ...]:
    """Read the referral directory: the [[referrals]] tables, then the organisations."""
    root = Table(data, where)
    found = [Referral(t.text("id"), t.text("name")) for t in root.tables_or_none("referrals")]
    found += [Referral(t.text("id"), t.text("name")) for t in root.tables("organisations")]
    if len({r.id for r in found}) != len(found):
        raise ConfigError(f"{where}.referrals: an id used twice (or an organisation's id)")
    return tuple(found)


def _is_origin(site: str) -> bool:
    parts = urlsplit(site)
    return parts.scheme == "https" and bool(parts.netloc) and site == f"https://{parts.netloc}"


def send_limits_from(data: dict[str, Any], where: str) -> SendLimits:
    """Read the [sending] table."""
    sending, limits = Table(data, where).table("sending"), SendLimits()
    return SendLimits(
        telegram_per_second=sending.rate("telegram_per_second", limits.telegram_per_second),
        telegram_chat_interval=sending.rate(
            "telegram_chat_interval", limits.telegram_chat_interval
        ),
        sms_per_second=sending.rate("sms_per_second", limits.sms_per_second),
    )


SYNCHRONOUS = ("full", "normal")


def synchronous_from(data: dict[str, Any], where: str) -> str:
    """Read [storage] synchronous: "full" (the default) or "normal", a stated trade-off."""
    storage = Table(data, where).table("storage")
    value = storage.text("synchronous", "full").lower()
    if value not in SYNCHRONOUS:
        raise ConfigError(f"{where}.storage.synchronous: one of {', '.join(SYNCHRONOUS)}")
    return value


def supervision_months_from(data: dict[str, Any], where: str) -> int:
    """Read [staff] supervision_months: how long a volunteer may go without supervision
    before their coordinators are reminded (default 3)."""
    months = Table(data, where).table("staff").whole("supervision_months", SUPERVISION_MONTHS)
    if months > 24:
        raise ConfigError(f"{where}.staff.supervision_months: at most 24")
    return months


def telegram_details_from(data: dict[str, Any], where: str) -> bool:
    """Read [staff] telegram_details: whether staff chats get seeker details (default no)."""
    return Table(data, where).table("staff").flag("telegram_details")
