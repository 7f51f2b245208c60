"""What the intake asks at each step, and the fixed messages around the questions."""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from bot.domain.dialogue import N_, Choice, Param, Reply
from bot.domain.model import (
    AgeGroup,
    CallTime,
    Channel,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    Gender,
    Numbers,
    Partnership,
    Role,
    SupportNeed,
)


class Step(StrEnum):
    LANGUAGE = "lang"
    CONSENT = "consent"
    ROLE = "role"
    AGE = "age"
    AREA = "area"
    YOUNG_CONSENT = "young"
    CRIME = "crime"
    CIRCUMSTANCES = "circ"
    NEEDS = "needs"
    CONTACT = "contact"
    PHONE = "phone"
    EMAIL = "email"
    CALL_TIME = "calltime"
    VOICEMAIL = "voicemail"
    SMS_OK = "smsok"
    TALK_LANGUAGE = "talklang"
    TALK_LANGUAGE_OTHER = "talkother"
    GENDER = "gender"
    NOTES = "notes"
    DONE = "done"
    ENDED = "ended"


YES = "yes"
NO = "no"
SKIP = "skip"
DONE = "done"
CHAT_INSTEAD = "chat"
USE_THIS_NUMBER = "this"
OTHER_LANGUAGE = "other"
MORE_LANGUAGES = "more"

YES_NO = ((YES, N_("Yes")), (NO, N_("No")))

# Single-choice steps: the question, its options in display order, and whether it may be
# skipped. Consent and the way to reach the seeker may not.
SINGLE_CHOICE: dict[Step, tuple[str, tuple[tuple[str, str], ...], bool]] = {
    Step.CONSENT: (
        N_("May we store what you tell us, so that a support person can contact you?"),
        YES_NO,
        False,
    ),
    Step.ROLE: (
        N_("Which fits you best?"),
        (
            (Role.VICTIM, N_("It happened to me")),
            (Role.WITNESS, N_("I saw it happen (witness)")),
            (Role.RELATIVE, N_("I am close to someone it happened to")),
        ),
        True,
    ),
    Step.AGE: (
        N_("How old are you?"),
        (
            (AgeGroup.UNDER_18, N_("Under 18")),
            (AgeGroup.AGE_18_20, N_("18–20")),
            (AgeGroup.AGE_21_PLUS, N_("21 or older")),
            (AgeGroup.UNDISCLOSED, N_("I would rather not say")),
        ),
        False,  # "rather not say" is the skip, and it routes like 21 or older
    ),
    Step.YOUNG_CONSENT: (
        N_(
            "Stödcentrum is the City of Stockholm's support for young people under 21 who "
            "have been affected by crime. May we pass your case to them, so that they can "
            "contact you?"
        ),
        YES_NO,
        False,
    ),
    Step.CRIME: (
        N_("What happened? You do not have to say."),
        (
            (CrimeCategory.ASSAULT, N_("Assault, violence")),
            (CrimeCategory.THREAT, N_("Threats")),
            (CrimeCategory.HARASSMENT, N_("Harassment")),
            (CrimeCategory.SEXUAL, N_("Sexual crime")),
            (CrimeCategory.ROBBERY, N_("Robbery")),
            (CrimeCategory.THEFT, N_("Theft or burglary")),
            (CrimeCategory.FRAUD, N_("Fraud")),
            (CrimeCategory.OTHER, N_("Something else")),
        ),
        True,
    ),
    Step.CONTACT: (
        N_("How would you like a support person to contact you?"),
        (
            (ContactMethod.CALL, N_("Call me")),
            (ContactMethod.SMS, N_("Send me an SMS")),
            (ContactMethod.CHAT, N_("Write to me here")),
            (ContactMethod.EMAIL, N_("E-mail me")),
            (ContactMethod.MEET, N_("Meet in person")),
        ),
        False,
    ),
    Step.CALL_TIME: (
        N_("When is it safe to call you? Pick one, or write a time that suits you."),
        (
            (CallTime.ANY, N_("Any time")),
            # The hours come from the partnership's configuration (see call_time_hours).
            (CallTime.DAYTIME, N_("Daytime ({from}–{to})")),
            (CallTime.EVENING, N_("Evening ({from}–{to})")),
        ),
        True,
    ),
    Step.VOICEMAIL: (
        N_("If you do not answer, is it safe for us to leave a voicemail that says who we are?"),
        YES_NO,
        True,
    ),
    Step.SMS_OK: (
        N_("Is it safe for us to send you an SMS that says who we are?"),
        YES_NO,
        True,
    ),
    Step.GENDER: (
        N_("What is your gender? We use this only for anonymous statistics."),
        (
            (Gender.WOMAN, N_("Woman")),
            (Gender.MAN, N_("Man")),
            (Gender.OTHER, N_("Other")),
        ),
        True,
    ),
}

MULTIPLE_CHOICE: dict[Step, tuple[str, tuple[tuple[str, str], ...]]] = {
    Step.CIRCUMSTANCES: (
        N_("Does any of this apply?"),
        (
            (Circumstance.CLOSE_RELATIONSHIP, N_("Violence by a partner or relative")),
            (Circumstance.HONOUR, N_("Honour-related violence or oppression")),
            (Circumstance.HATE, N_("Hate crime")),
        ),
    ),
    Step.NEEDS: (
        N_("What help would you like?"),
        (
            (SupportNeed.TALK, N_("Someone to talk to")),
            (SupportNeed.MEETING, N_("A personal meeting")),
            (SupportNeed.LEGAL_PROCESS, N_("How the legal process works")),
            (SupportNeed.ACCOMPANY, N_("Support at the police or in court")),
            (SupportNeed.COUNSEL, N_("Asking for a målsägandebiträde (a free lawyer)")),
            (SupportNeed.COMPENSATION, N_("Applying for compensation")),
            (SupportNeed.AUTHORITIES, N_("Dealing with authorities")),
            (SupportNeed.REFERRAL, N_("Other places to get help")),
        ),
    ),
}

# Every choice's label by its value (yes and no aside, which every yes/no question shares).
ANSWER_LABELS: dict[str, str] = {
    str(value): label
    for _, options, _ in SINGLE_CHOICE.values()
    for value, label in options
    if value not in (YES, NO)
} | {str(value): label for _, options in MULTIPLE_CHOICE.values() for value, label in options}

TEXT_QUESTIONS: dict[Step, str] = {
    Step.AREA: N_(
        "Which part of Stockholm do you live in? Pick your district, or write the name of "
        "your area, for example Tensta or Vällingby."
    ),
    Step.PHONE: N_("Which phone number can we use? Write it, for example 070-123 45 67."),
    Step.EMAIL: N_("Which e-mail address can we use?"),
    Step.TALK_LANGUAGE_OTHER: N_("Which language? Write its name."),
    Step.NOTES: N_(
        "Is there anything else you want us to know? Write it here, or skip. "
        "Please do not write names or addresses."
    ),
}

RE_ASK = N_("Sorry, I did not understand that. Please pick one of the options.")
RE_ASK_AREA = N_("I could not find that place. Please write it again, or skip.")
# On SMS the fourteen districts would cost two more segments: the seeker writes the area.
AREA_BY_TEXT = N_(
    "Which part of Stockholm do you live in? Write the name of your area, for example "
    "Tensta or Bromma."
)
RE_ASK_PHONE = N_(
    "That does not look like a phone number. Please write it again, for example 070-123 45 67."
)
RE_ASK_EMAIL = N_("That does not look like an e-mail address. Please write it again.")


def skip_choice() -> Choice:
    """Offer to leave an optional question unanswered."""
    return Choice(SKIP, N_("Skip"))


def numbers_reply(numbers: Numbers) -> Reply:
    """Tell where else to turn, with the numbers from configuration."""
    return Reply(
        N_(
            "Where you can turn:\n"
            "• In danger now: {emergency}\n"
            "• Police: {police}\n"
            "• Brottsofferjouren Sverige: {national_line}\n"
            "• Kvinnofridslinjen (women, day and night): {womens_line}\n"
            "• BRIS (under 18): {children_line}"
        ),
        params=_numbers(numbers),
    )


def failure_reply(numbers: Numbers) -> Reply:
    """Apologise when our side failed, so a person in crisis is never left in silence."""
    return Reply(
        N_(
            "Sorry, something went wrong on our side. Please write again in a moment. "
            "If you are in danger now, call {emergency}."
        ),
        params={"emergency": numbers.emergency},
    )


def _numbers(numbers: Numbers) -> dict[str, Param]:
    return {
        "emergency": numbers.emergency,
        "police": numbers.police,
        "national_line": numbers.national_line,
        "womens_line": numbers.womens_line,
        "children_line": numbers.children_line,
    }


def intro_replies(partnership: Partnership, channel: Channel) -> list[Reply]:
    """Say what we are, what is safe to know, and how to cover one's tracks."""
    intro = Reply(
        N_(
            "Hello. This is victim support in Stockholm: Brottsofferjouren and Stödcentrum.\n\n"
            "Our support is free, you can stay anonymous, and no police report is needed.\n\n"
            "This chat is not watched around the clock. In danger now? Call {emergency}."
        ),
        params={"emergency": partnership.numbers.emergency},
    )
    if channel.traits.in_browser:
        privacy = N_(
            "This page keeps nothing on your device. When you leave, also clear this "
            "browser's history, or use a private window."
        )
    elif channel.traits.kept_in_clear:
        privacy = N_(
            "Text messages are not private: delete ours if someone may read your phone. "
            "Write {delete} at any time to erase what you told us."
        )
    else:
        privacy = N_(
            "Good to know: chats with a bot are not end-to-end encrypted. If someone else "
            "may look at your phone, delete this chat afterwards (press and hold it, then "
            "Delete). You can write {delete} at any time to erase what you have told us."
        )
    return [intro, Reply(privacy)]


def call_time_hours(partnership: Partnership) -> dict[str, dict[str, Param]]:
    """The hours each call-time choice names: the evening is the one the follow-up rules
    count (evening_start to evening_end), the day runs from the end of the quiet hours."""

    def hour(moment: time) -> str:
        return str(moment.hour) if moment.minute == 0 else f"{moment:%H:%M}"

    p = partnership
    return {
        CallTime.DAYTIME: {"from": hour(p.quiet_end), "to": hour(p.evening_start)},
        CallTime.EVENING: {"from": hour(p.evening_start), "to": hour(p.evening_end)},
    }
