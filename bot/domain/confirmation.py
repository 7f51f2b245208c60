"""The last message of an intake: the case reference and what happens next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.conversation import Answers
from bot.domain.dialogue import N_, NP_, Reply, Weekday
from bot.domain.model import ContactMethod, Partnership
from bot.domain.questions import numbers_reply
from bot.domain.routing import Route

_HOW = {
    ContactMethod.CALL: NP_(
        "{name} will call you within {count} day, by {deadline} at the latest.",
        "{name} will call you within {count} days, by {deadline} at the latest.",
    ),
    ContactMethod.SMS: NP_(
        "{name} will send you an SMS within {count} day, by {deadline} at the latest.",
        "{name} will send you an SMS within {count} days, by {deadline} at the latest.",
    ),
    ContactMethod.CHAT: NP_(
        "{name} will write to you here within {count} day, by {deadline} at the latest.",
        "{name} will write to you here within {count} days, by {deadline} at the latest.",
    ),
    ContactMethod.EMAIL: NP_(
        "{name} will e-mail you within {count} day, by {deadline} at the latest.",
        "{name} will e-mail you within {count} days, by {deadline} at the latest.",
    ),
    ContactMethod.MEET: NP_(
        "{name} will contact you within {count} day, by {deadline} at the latest, to arrange "
        "a meeting.",
        "{name} will contact you within {count} days, by {deadline} at the latest, to arrange "
        "a meeting.",
    ),
}


def first_contact_deadline(partnership: Partnership, received_at: datetime) -> datetime:
    """Return when the first contact is due at the latest (rule 3: within three days).

    Counted in local calendar time, so a case received at 14:00 is due at 14:00 three days
    later even across a daylight-saving change (72 h counted in UTC would move it an hour).
    """
    zone = ZoneInfo(partnership.timezone)
    local = received_at.astimezone(zone).replace(tzinfo=None)
    due = local + timedelta(hours=partnership.first_contact_hours)
    return due.replace(tzinfo=zone).astimezone(UTC)


def confirmation_replies(
    partnership: Partnership,
    reference: str,
    answers: Answers,
    decided: Route,
    received_at: datetime,
) -> list[Reply]:
    """Tell the seeker their case reference, who contacts them and by when, and what else."""
    if decided.org_id is None:
        raise ValueError("a case is only made for an organisation")
    org = partnership.organisation(decided.org_id)
    singular, plural = _HOW[answers.contact or ContactMethod.CHAT]
    replies = [
        Reply(N_("Thank you. Your case number is {reference}."), params={"reference": reference}),
        Reply(
            singular,
            plural=plural,
            params={
                "name": org.name,
                "count": max(1, partnership.first_contact_hours // 24),
                "deadline": first_contact_deadline(partnership, received_at),
            },
        ),
    ]
    evening = partnership.open_evening
    if evening is not None:
        replies.append(
            Reply(
                N_("Open evening: every {weekday}, {start}–{end}, call {phone}."),
                params={
                    "weekday": Weekday(evening.weekday),
                    "start": evening.start,
                    "end": evening.end,
                    "phone": evening.phone,
                },
            )
        )
    replies.append(numbers_reply(partnership.numbers))
    replies.append(Reply(N_("Write {delete} at any time to erase what you have told us.")))
    return replies
