"""One whole intake as a seeker answers it, for every test that needs a case made the usual way."""

from __future__ import annotations

from bot.domain.dialogue import Command, CommandName, Inbound, Pick, Text
from bot.domain.model import Channel
from bot.domain.questions import Step
from bot.services.intake import Answer, IntakeService

PHONE = "070-123 45 67"
NOTE = "Ring efter sex"
TYPED = frozenset({Step.PHONE, Step.NOTES})  # answered by writing, not by a button

# In Swedish, 21 or older, in Bromma (Västerort), to be called in the evening.
WHOLE_INTAKE: tuple[tuple[Step, str], ...] = (
    (Step.LANGUAGE, "sv"), (Step.CONSENT, "yes"), (Step.ROLE, "victim"), (Step.AGE, "21_plus"),
    (Step.AREA, "bromma"), (Step.CRIME, "skip"), (Step.CIRCUMSTANCES, "skip"),
    (Step.NEEDS, "skip"), (Step.CONTACT, "call"), (Step.PHONE, PHONE),
    (Step.CALL_TIME, "evening"), (Step.VOICEMAIL, "no"), (Step.SMS_OK, "no"),
    (Step.TALK_LANGUAGE, "sv"), (Step.GENDER, "skip"), (Step.NOTES, NOTE),
)  # fmt: skip


# The same seeker asking "Write to me here": no number, no call times.
CHAT_INTAKE: tuple[tuple[Step, str], ...] = tuple(
    (step, "chat" if step is Step.CONTACT else value)
    for step, value in WHOLE_INTAKE
    if step not in (Step.PHONE, Step.CALL_TIME, Step.VOICEMAIL, Step.SMS_OK)
)


def as_inbound(step: Step, value: str) -> Inbound:
    """The message that gives *value* for *step*: a typed text or a pressed button."""
    return Text(value) if step in TYPED else Pick(step, value)


async def through_service(
    intake: IntakeService,
    channel: Channel,
    address: str,
    answers: tuple[tuple[Step, str], ...] = WHOLE_INTAKE,
) -> Answer:
    """Run the intake straight through the service, as a channel adapter would.

    Returns the last turn's answer (on a channel the outbox does not send on, it carries
    the replies).
    """
    answer = await intake.handle(channel, address, Command(CommandName.START))
    for step, value in answers:
        answer = await intake.handle(channel, address, as_inbound(step, value))
    return answer
