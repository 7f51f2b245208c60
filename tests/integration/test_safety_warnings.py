"""The seeker's "no voicemail" and "no SMS naming us" as warnings where staff could break them
(issue 22): the bot's attempt buttons, the relay to a seeker on SMS, the desk's case page."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.safety_warnings import NO_SMS, NO_VOICEMAIL, RELAY_BY_SMS
from tests.conftest import FakeClock
from tests.integration.test_staff_flow import (
    COORDINATOR,
    VOLUNTEER,
    World,
    assign_new_case,
    running,
    sms_case,
    staff_and_a_case,
)
from tests.telegram_fakes import Person


def said(w: World, msgid: str) -> str:
    return w.jourbot.catalogs.translator("en").gettext(msgid)


async def test_the_attempt_buttons_warn_before_a_voicemail_or_an_sms(
    settings: Settings, clock: FakeClock
) -> None:
    """The seeker of WHOLE_INTAKE said no to both: each step of logging an attempt says so."""
    async with running(settings, clock) as w:
        coordinator, volunteer, _, volunteer_id = await staff_and_a_case(w)
        reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)
        await w.telegram(volunteer.message(f"/attempt {reference}"))
        how = w.last(VOLUNTEER)
        assert said(w, NO_VOICEMAIL) in how and said(w, NO_SMS) in how
        await w.press(volunteer, "Phone")
        assert said(w, NO_VOICEMAIL) in w.last(VOLUNTEER)
        # A Telegram seeker's messages do not go by SMS: no relay warning.
        await w.telegram(volunteer.message(f"/reply {reference}"))
        assert said(w, RELAY_BY_SMS) not in w.last(VOLUNTEER)


async def test_writing_to_an_sms_seeker_warns_before_naming_us(
    settings: Settings, clock: FakeClock
) -> None:
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    async with running(settings, clock) as w:
        reference = await sms_case(w, coordinator, volunteer)
        await w.telegram(volunteer.message(f"/reply {reference}"))
        assert said(w, RELAY_BY_SMS) in w.last(VOLUNTEER)
