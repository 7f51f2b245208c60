"""The seeker's safety answers as warnings on every staff surface that could break them
(issue 22): where a voicemail or an SMS naming us was not said to be safe, whoever is about to
log a call, leave a message or write by SMS is told so first."""

from __future__ import annotations

from bot.domain.cases import CaseRecord
from bot.domain.dialogue import S_, Line
from bot.domain.model import Channel

NO_VOICEMAIL = S_(
    "Voicemail: the seeker did not say a voicemail naming us is safe. Leave no message."
)
NO_SMS = S_(
    "SMS: the seeker did not say an SMS naming us is safe. Send none, and name neither us nor "
    "the crime."
)
RELAY_BY_SMS = S_(
    "Your message reaches this seeker by SMS, which they did not say is safe when it names us: "
    "write nothing that names the association, the crime or the support."
)


def contact_warnings(case: CaseRecord) -> list[Line]:
    """Warnings for whoever is about to call or text the seeker's number."""
    if case.phone is None:
        return []  # no number: nothing to call or text
    lines = []
    if case.voicemail_ok is not True:
        lines.append(Line(NO_VOICEMAIL))
    if case.sms_ok is not True:
        lines.append(Line(NO_SMS))
    return lines


def relay_warnings(case: CaseRecord, channel: Channel | None) -> list[Line]:
    """A warning for whoever writes to a seeker whose messages go by SMS."""
    if channel in (Channel.SMS, Channel.WHATSAPP) and case.sms_ok is not True:
        return [Line(RELAY_BY_SMS)]
    return []
