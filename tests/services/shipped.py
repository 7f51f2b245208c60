"""The intake service wired as bot/app.py's open_core wires it, with the shipped catalogs."""

from __future__ import annotations

from functools import cache

from bot.config import Settings
from bot.domain.conversation import Language
from bot.domain.information import Library
from bot.i18n import Catalogs, default_locales_dir, load_information
from bot.ports import Clock, IntakeListener, Screen, UnitsOfWork
from bot.services.intake import IntakeService
from bot.services.outbox import Outbox


@cache
def _information(codes: tuple[str, ...]) -> Library:
    # The topics are read from files; once per run is enough, they never change.
    return load_information(default_locales_dir(), codes)


def intake_service(
    units: UnitsOfWork,
    clock: Clock,
    settings: Settings,
    catalogs: Catalogs,
    *,
    outbox: Outbox | None = None,
    listener: IntakeListener | None = None,
    screen: Screen | None = None,
) -> IntakeService:
    """Return the intake service with the shipped languages, labels and information."""
    languages = tuple(Language(code, catalogs.native_name(code)) for code in catalogs.codes)
    return IntakeService(
        units,
        clock,
        settings.partnership,
        languages,
        settings.default_locale,
        outbox=outbox,
        listener=listener,
        screen=screen,
        label=lambda locale, msgid: catalogs.translator(locale).gettext(msgid),
        information=_information(tuple(catalogs.codes)),
    )
