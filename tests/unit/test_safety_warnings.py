"""Which of the seeker's safety answers become warnings, and where."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.cases import CaseRecord, CaseSource, CaseStatus
from bot.domain.model import Channel
from bot.domain.safety_warnings import (
    NO_SMS,
    NO_VOICEMAIL,
    RELAY_BY_SMS,
    contact_warnings,
    relay_warnings,
)


def seeker(phone: str | None, voicemail: bool | None, sms: bool | None) -> CaseRecord:
    return CaseRecord(
        1, "ABC-234", "vasterort", CaseSource.BOT, CaseStatus.ASSIGNED,
        datetime(2026, 11, 24, tzinfo=UTC), "sv", Channel.SMS, phone=phone,
        voicemail_ok=voicemail, sms_ok=sms,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("phone", "voicemail", "sms", "expected"),
    [
        ("+46701234567", False, False, [NO_VOICEMAIL, NO_SMS]),
        ("+46701234567", True, True, []),
        ("+46701234567", None, True, [NO_VOICEMAIL]),  # not said is not a yes
        ("+46701234567", True, None, [NO_SMS]),
        (None, False, False, []),  # no number: nothing to call or text
    ],
)
def test_contact_warnings(
    phone: str | None, voicemail: bool | None, sms: bool | None, expected: list[str]
) -> None:
    assert [line.text for line in contact_warnings(seeker(phone, voicemail, sms))] == expected


@pytest.mark.parametrize(
    ("channel", "sms", "warned"),
    [
        (Channel.SMS, False, True), (Channel.SMS, None, True), (Channel.WHATSAPP, False, True),
        (Channel.SMS, True, False), (Channel.TELEGRAM, False, False),
        (Channel.WEBCHAT, False, False), (None, False, False),
    ],
)  # fmt: skip
def test_relay_warnings(channel: Channel | None, sms: bool | None, warned: bool) -> None:
    lines = relay_warnings(seeker("+46701234567", False, sms), channel)
    assert [line.text for line in lines] == ([RELAY_BY_SMS] if warned else [])
