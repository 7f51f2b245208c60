"""Compiled Babel catalogs per locale, passed explicitly; formatting in the reader's locale."""

from __future__ import annotations

import string
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format, get_day_names
from babel.languages import get_official_languages
from babel.support import Translations

from bot.domain.dialogue import LanguageNames, Param, Translatable, Weekday
from bot.domain.information import TOPICS, Library, Topic, parse_topic

DOMAIN = "messages"
STAFF_DOMAIN = "staff"
FALLBACK = "en"
# Where CLDR's own name is not what our users call their language.
NATIVE_NAME_OVERRIDES = {
    "bs": "Bosanski/Hrvatski/Srpski",  # one catalog for the three
    "fa_AF": "دری",  # CLDR says "Persian (Afghanistan)"; people say Dari
    "ckb": "کوردی (سۆرانی)",  # CLDR's "Central Kurdish" is not what speakers call it
    "ku": "Kurdî (Kurmancî)",
}


def locale_for_phone(number: str, shipped: Collection[str]) -> str | None:
    """Suggest a shipped locale from a phone number's country, e.g. +46 -> sv, +964 -> ar."""
    try:
        country = phonenumbers.parse(number).country_code
    except phonenumbers.NumberParseException:
        return None
    if country is None:
        return None
    region = phonenumbers.region_code_for_country_code(country)  # the main region, e.g. GB
    if region == phonenumbers.UNKNOWN_REGION:
        return None
    if region == "AF" and "fa_AF" in shipped:
        return "fa_AF"  # Dari, not Iranian Persian
    for language in get_official_languages(region, de_facto=True):
        for code in (language, language.split("_")[0]):
            if code in shipped:
                return code
    return None


class CatalogError(Exception):
    """A catalog is missing or not compiled; raised at start-up, never while serving."""


def default_locales_dir() -> Path:
    """Return the catalogs shipped beside the package (the repository's locales/)."""
    return Path(__file__).resolve().parent.parent / "locales"


class _Missing(dict[str, str]):
    """Leave an unknown placeholder visible rather than crash a reply to a person in crisis."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True, slots=True)
class Translator:
    """Translate and format for one locale; no global state."""

    code: str
    locale: Locale
    translations: Translations
    timezone: ZoneInfo

    def gettext(self, msgid: str) -> str:
        """Translate *msgid*."""
        return self.translations.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate with the plural form of this locale for *n*."""
        return self.translations.ngettext(singular, plural, n)

    @property
    def right_to_left(self) -> bool:
        """Tell whether this locale is written right to left (Arabic, Persian, ...)."""
        return self.locale.character_order == "right-to-left"

    def format(
        self,
        msgid: str,
        params: dict[str, Param],
        extra: dict[str, str],
        plural: str | None = None,
        *,
        literal: bool = False,
    ) -> str:
        """Translate *msgid* and fill in its placeholders, each formatted for this locale.

        With *plural*, the form is chosen by this language's plural rules for the `count`
        parameter; a *literal* text is already translated and used as it is. In right-to-left
        text every filled-in value is isolated (FSI ... PDI), so a phone number, case
        reference or Latin name keeps its own direction and order.
        """
        values = _Missing({name: self._isolate(value) for name, value in extra.items()})
        values.update({name: self._isolate(self.param(value)) for name, value in params.items()})
        count = params.get("count")
        if literal:
            template = msgid  # already in this language
        elif plural is not None and isinstance(count, int):
            template = self.ngettext(msgid, plural, count)
        else:
            template = self.gettext(msgid)
        return string.Formatter().vformat(template, (), values)

    def _isolate(self, text: str) -> str:
        return f"\u2068{text}\u2069" if self.right_to_left else text

    def param(self, value: Param) -> str:
        """Write one parameter the way a reader of this locale expects."""
        if isinstance(value, Translatable):
            return ", ".join(self.gettext(msgid) for msgid in value.msgids)
        if isinstance(value, Weekday):
            return str(get_day_names("wide", locale=self.locale)[value.number])
        if isinstance(value, LanguageNames):
            return ", ".join(self.language_name(code) for code in value.codes) or "-"
        if isinstance(value, datetime):
            return self.datetime(value)
        if isinstance(value, time):
            return format_time(value, "short", locale=self.locale)
        return str(value)

    def language_name(self, code: str) -> str:
        """Name a language in this locale ("arabiska" in Swedish); the code if unknown."""
        try:
            name = Locale.parse(code.replace("-", "_")).get_display_name(self.locale)
        except (ValueError, TypeError, UnknownLocaleError):
            return code
        return name[:1].upper() + name[1:] if name else code

    def datetime(self, moment: datetime) -> str:
        """Write a stored UTC moment as local date and time: 'onsdag 2 december 2026 14:30'."""
        local = moment.astimezone(self.timezone)
        date_pattern, pattern = _IN_A_SENTENCE.get(
            str(self.locale), ("full", str(get_datetime_format("medium", locale=self.locale)))
        )
        date_part = format_date(local, date_pattern, locale=self.locale)
        time_part = format_time(local, "short", locale=self.locale)
        return pattern.replace("{1}", date_part).replace("{0}", time_part)


# Where CLDR's full date reads wrongly inside our sentences ("by {deadline} at the latest"):
# Finnish needs the essive weekday and "klo" before the time; Sorani's pattern puts the year
# first and the weekday last with a Latin comma; Pashto's has Latin commas (issue 23).
_IN_A_SENTENCE = {
    "fi": ("EEEE d. MMMM y", "{1} klo {0}"),
    "ckb": ("EEEE، d MMMM y", "{1}، {0}"),
    "ps": ("EEEE d MMMM y", "{1} {0}"),
}


class Catalogs:
    """Every compiled catalog under one directory, loaded once at start-up.

    `messages` holds what seekers read, in every shipped language; `staff` what only staff
    read, in Swedish and English. A staff translator has both.
    """

    def __init__(self, directory: Path, timezone: str) -> None:
        zone = ZoneInfo(timezone)
        self._translators: dict[str, Translator] = {}
        self._staff_codes: set[str] = set()
        if not directory.is_dir():
            raise CatalogError(f"catalogs: no directory {directory}")
        for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            code = po.parent.parent.name
            translations = _compiled(po, code)
            staff_po = po.with_name(f"{STAFF_DOMAIN}.po")
            if staff_po.exists():
                translations.merge(_compiled(staff_po, code))
                self._staff_codes.add(code)
            self._translators[code] = Translator(code, Locale.parse(code), translations, zone)
        if not self._translators:
            raise CatalogError(f"catalogs: none found in {directory}")

    @property
    def staff_codes(self) -> tuple[str, ...]:
        """Return the locales staff messages are written in."""
        return tuple(sorted(self._staff_codes))

    def staff_locale(self, hint: str | None) -> str:
        """Choose a staff member's locale from Telegram's language code: sv or en."""
        base = (hint or "").replace("-", "_").split("_")[0]
        return base if base in self._staff_codes else FALLBACK

    @property
    def codes(self) -> tuple[str, ...]:
        """Return the locale codes we ship, in a stable order."""
        return tuple(sorted(self._translators))

    def translator(self, code: str) -> Translator:
        """Return the translator for *code*, or English if it is unknown."""
        return (
            self._translators.get(code)
            or self._translators.get(FALLBACK)
            or self._translators[self.codes[0]]
        )

    def native_name(self, code: str) -> str:
        """Return the language's name in the language itself, as our users write it."""
        if code in NATIVE_NAME_OVERRIDES:
            return NATIVE_NAME_OVERRIDES[code]
        name = Locale.parse(code).get_display_name(code) or code
        return name[:1].upper() + name[1:]


def _compiled(po: Path, code: str) -> Translations:
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        raise CatalogError(
            f"catalogs: {code}/{po.stem} is not compiled or out of date; run `make catalogs`"
        )
    with mo.open("rb") as f:
        return Translations(f, domain=po.stem)


def load_information(locales_dir: Path, codes: Iterable[str], fallback: str = "en") -> Library:
    """Read the information topics of every language; a topic not yet translated is English.

    A topic missing in English too, or a file without its title line, stops start-up.
    """

    def read(code: str, key: str) -> Topic | None:
        path = locales_dir / code / "info" / f"{key}.md"
        return parse_topic(key, path.read_text(encoding="utf-8")) if path.exists() else None

    english: dict[str, Topic] = {}
    for key in TOPICS:
        topic = read(fallback, key)
        if topic is None:
            raise CatalogError(f"{locales_dir}/{fallback}/info/{key}.md is missing")
        english[key] = topic
    return Library(
        {code: tuple(read(code, key) or english[key] for key in TOPICS) for code in codes},
        fallback,
    )


def known_language(code: str) -> bool:
    """Tell whether *code* names a language (ISO 639, as sv, ar, so, fa_AF)."""
    try:
        Locale.parse(code.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return False
    return True
