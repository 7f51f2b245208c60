"""The hours a seeker is offered for a call are the ones the follow-up rules count."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from bot.channels.render import render
from bot.domain.conversation import IntakeContext, IntakeState, Language
from bot.domain.model import Channel, Partnership
from bot.domain.questions import Step
from bot.domain.steps import question
from bot.i18n import Catalogs


def labels(partnership: Partnership, catalogs: Catalogs, locale: str) -> list[str]:
    ctx = IntakeContext(partnership, (Language("en", "English"),), Channel.TELEGRAM)
    reply = question(IntakeState(step=Step.CALL_TIME, locale=locale), ctx)
    rendered = render(reply, catalogs.translator(locale), {})
    return [option.label for option in rendered.options]


def test_the_evening_offered_is_the_configured_evening(
    partnership: Partnership, catalogs: Catalogs
) -> None:
    assert (partnership.evening_start, partnership.evening_end) == (time(18), time(21))
    assert labels(partnership, catalogs, "en")[1:3] == ["Daytime (8–18)", "Evening (18–21)"]
    assert labels(partnership, catalogs, "sv")[1:3] == ["Dagtid (8–18)", "Kvällstid (18–21)"]
    later = replace(partnership, evening_start=time(17, 30), evening_end=time(20))
    assert labels(later, catalogs, "en")[1:3] == ["Daytime (8–17:30)", "Evening (17:30–20)"]
