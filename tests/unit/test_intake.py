"""The intake dialogue through every path, with no I/O."""

from __future__ import annotations

import pytest

from bot.domain.dialogue import CommandName, Pick
from bot.domain.intake import CaseSubmitted, DataErased, IntakeEnded, SeekerWrote
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    Channel,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    Gender,
    IntakeOutcome,
    Partnership,
    Role,
    SupportNeed,
)
from bot.domain.questions import Step
from bot.domain.typed import normalise_phone
from tests.unit.intake_driver import Seeker


def complete(seeker: Seeker, age: str = "21_plus", area: str = "bromma") -> None:
    """Answer every question after consent with a typical set of answers."""
    seeker.pick("victim")
    seeker.pick(age)
    seeker.pick(area)
    if seeker.step is Step.YOUNG_CONSENT:
        seeker.pick("yes")
    seeker.pick("threat")
    seeker.pick("close_relationship")
    seeker.pick("done")
    seeker.pick("talk")
    seeker.pick("counsel")
    seeker.pick("done")
    seeker.pick("call")
    seeker.write("070-123 45 67")
    seeker.pick("evening")
    seeker.pick("no")  # voicemail
    seeker.pick("yes")  # sms naming us
    seeker.pick("sv")
    seeker.pick("woman")
    seeker.write("I work nights")


def submitted(seeker: Seeker) -> CaseSubmitted:
    assert seeker.step is Step.DONE
    event = seeker.events[-1]
    assert isinstance(event, CaseSubmitted)
    return event


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_full_intake_collects_every_answer(partnership: Partnership, locale: str) -> None:
    """A seeker who answers everything produces a case with all the answers and the locale."""
    seeker = Seeker(partnership)
    seeker.start(locale)
    complete(seeker)

    event = submitted(seeker)
    a = event.answers
    assert event.locale == locale
    assert (a.consent, a.role, a.age_group) == (True, Role.VICTIM, AgeGroup.AGE_21_PLUS)
    assert (a.area_kind, a.district_id) == (AreaKind.DISTRICT, "bromma")
    assert a.crime is CrimeCategory.THREAT
    assert a.circumstances == {Circumstance.CLOSE_RELATIONSHIP}
    assert a.needs == {SupportNeed.TALK, SupportNeed.COUNSEL}
    assert (a.contact, a.phone) == (ContactMethod.CALL, "+46701234567")
    assert (a.call_time, a.voicemail_ok, a.sms_ok) == (CallTime.EVENING, False, True)
    assert (a.talk_language, a.gender, a.notes) == ("sv", Gender.WOMAN, "I work nights")
    assert event.route.org_id == "vasterort"
    assert seeker.replies == []  # the service adds the confirmation with the reference


def test_start_suggests_the_telegram_language_first(partnership: Partnership) -> None:
    """The language list is written in the suggested language, which comes first."""
    seeker = Seeker(partnership, suggested="en-GB")
    seeker.command(CommandName.START)
    assert seeker.step is Step.LANGUAGE
    assert seeker.state.locale == "en"
    assert [c.value for c in seeker.last.choices] == ["en", "sv"]
    assert all(c.literal for c in seeker.last.choices)


def test_any_first_message_starts_the_intake(partnership: Partnership) -> None:
    """A seeker who just writes "hi" is met with the language question, in Swedish by default."""
    seeker = Seeker(partnership)
    seeker.write("hi")
    assert (seeker.step, seeker.state.locale) == (Step.LANGUAGE, "sv")


def test_intro_tells_what_we_are_before_asking_consent(partnership: Partnership) -> None:
    """After the language come the safety facts, the privacy note, then the consent question."""
    seeker = Seeker(partnership)
    seeker.command(CommandName.START)
    replies = seeker.pick("en")
    assert seeker.step is Step.CONSENT
    assert "free" in replies[0].text and "{emergency}" in replies[0].text
    assert replies[0].params["emergency"] == "112"
    assert "not end-to-end encrypted" in replies[1].text
    assert [c.value for c in replies[2].choices] == ["yes", "no"]


def test_sms_privacy_note_speaks_of_messages_not_chats(partnership: Partnership) -> None:
    """On SMS the note tells the seeker to delete the messages."""
    seeker = Seeker(partnership, channel=Channel.SMS)
    seeker.command(CommandName.START)
    replies = seeker.pick("en")
    assert "Text messages are not private" in replies[1].text


def test_consent_refused_ends_with_numbers_and_no_case(partnership: Partnership) -> None:
    """No consent: numbers and information, an anonymous outcome, nothing else."""
    seeker = Seeker(partnership)
    seeker.command(CommandName.START)
    seeker.pick("en")
    replies = seeker.pick("no")
    assert seeker.step is Step.ENDED
    assert seeker.state.answers.consent is None
    assert seeker.events == [IntakeEnded(IntakeOutcome.CONSENT_REFUSED, "en")]
    assert replies[-1].params["national_line"] == "116 006"


@pytest.mark.parametrize(
    ("age", "expected_org"),
    [
        ("under_18", "stodcentrum"),
        ("18_20", "stodcentrum"),
        ("21_plus", "vasterort"),
        ("undisclosed", "vasterort"),
    ],
)
def test_each_age_group_routes(partnership: Partnership, age: str, expected_org: str) -> None:
    """Under 21 goes to Stödcentrum once the seeker agrees; others by district."""
    seeker = Seeker(partnership)
    seeker.start()
    complete(seeker, age=age, area="jarva")
    assert submitted(seeker).route.org_id == expected_org


@pytest.mark.parametrize("age", ["under_18", "18_20"])
def test_young_seeker_who_declines_stodcentrum_gets_its_details(
    partnership: Partnership, age: str
) -> None:
    """Nothing is passed to the municipal service without a yes; its number is given."""
    seeker = Seeker(partnership)
    seeker.start()
    seeker.pick("victim")
    seeker.pick(age)
    seeker.pick("bromma")
    assert seeker.step is Step.YOUNG_CONSENT
    replies = seeker.pick("no")
    assert seeker.step is Step.ENDED
    assert seeker.events == [IntakeEnded(IntakeOutcome.STODCENTRUM_DECLINED, "en")]
    assert replies[0].params["name"] == "Stödcentrum"
    assert replies[0].params["phone"] == partnership.organisation("stodcentrum").phone


@pytest.mark.parametrize(
    ("written", "district", "org"),
    [
        ("Tensta", "jarva", "vasterort"),
        ("rinkeby-kista", "jarva", "vasterort"),
        ("Spånga Tensta", "jarva", "vasterort"),
        ("  VÄLLINGBY ", "hasselby-vallingby", "vasterort"),
        ("Hasselby strand", "hasselby-vallingby", "vasterort"),
        ("Södermalm", "sodermalm", "innerstaden"),
        ("Bredäng", "skarholmen", "soderort"),
    ],
)
def test_area_written_as_neighbourhood(
    partnership: Partnership, written: str, district: str, org: str
) -> None:
    """District and neighbourhood names are matched regardless of case, accents and dashes."""
    seeker = Seeker(partnership)
    seeker.start()
    seeker.pick("skip")
    seeker.pick("21_plus")
    seeker.write(written)
    assert (seeker.step, seeker.state.answers.district_id) == (Step.CRIME, district)
    complete_rest(seeker)
    assert submitted(seeker).route.org_id == org


def choose_contact(seeker: Seeker, method: str) -> None:
    """Skip what may be skipped up to the contact question, then pick *method*."""
    for value in ("skip", "21_plus", "skip", "skip", "skip", "skip", method):
        seeker.pick(value)


def complete_rest(seeker: Seeker) -> None:
    """Skip everything optional and choose chat, from the crime question on."""
    for _ in range(3):  # crime, circumstances, needs
        seeker.pick("skip")
    seeker.pick("chat")
    seeker.pick("skip")  # talk language
    seeker.pick("skip")  # gender
    seeker.pick("skip")  # notes


def test_unknown_area_is_asked_again(partnership: Partnership) -> None:
    """A place we cannot match gets a friendly re-ask, and the step stays."""
    seeker = Seeker(partnership)
    seeker.start()
    seeker.pick("skip")
    seeker.pick("21_plus")
    replies = seeker.write("Atlantis")
    assert seeker.step is Step.AREA
    assert "could not find that place" in replies[0].text
    assert replies[1].step == Step.AREA


def test_skipped_area_goes_to_the_default_organisation(partnership: Partnership) -> None:
    """A seeker in Stockholm who does not say where is not lost."""
    seeker = Seeker(partnership)
    seeker.start()
    seeker.pick("skip")
    seeker.pick("21_plus")
    seeker.pick("skip")
    complete_rest(seeker)
    event = submitted(seeker)
    assert event.answers.area_kind is AreaKind.UNKNOWN
    assert event.route.org_id == "vasterort"


@pytest.mark.parametrize("age", ["under_18", "21_plus"])
def test_outside_stockholm_is_referred_to_the_national_line(
    partnership: Partnership, age: str
) -> None:
    """Outside Stockholm there is no case; the national line is given."""
    seeker = Seeker(partnership)
    seeker.start()
    seeker.pick("witness")
    seeker.pick(age)
    replies = seeker.pick("outside")
    assert seeker.step is Step.ENDED
    assert seeker.events == [IntakeEnded(IntakeOutcome.REFERRED_NATIONAL, "en")]
    assert replies[0].params == {"national_line": "116 006"}


def test_every_optional_step_skipped(partnership: Partnership) -> None:
    """Only consent and a way to be reached are needed for a case."""
    seeker = Seeker(partnership)
    seeker.start()
    seeker.pick("skip")  # role
    seeker.pick("undisclosed")  # age: "rather not say" is its skip
    seeker.pick("skip")  # area
    complete_rest(seeker)
    a = submitted(seeker).answers
    assert a.contact is ContactMethod.CHAT
    assert (a.role, a.crime, a.gender, a.notes, a.talk_language) == (None,) * 5
    assert a.circumstances == frozenset() and a.needs == frozenset()


@pytest.mark.parametrize("step", [Step.CONSENT, Step.AGE, Step.CONTACT])
def test_required_steps_cannot_be_skipped(partnership: Partnership, step: Step) -> None:
    """Consent, age group (which has its own "rather not say") and contact offer no skip."""
    seeker = Seeker(partnership)
    seeker.command(CommandName.START)
    seeker.pick("en")
    for value in ["yes", "skip", "21_plus", "skip", "skip", "skip", "skip"]:
        if seeker.step is step:
            break
        seeker.pick(value)
    assert seeker.step is step
    assert "skip" not in [c.value for c in seeker.last.choices]
    seeker.send(Pick(step, "skip"))
    assert seeker.step is step


@pytest.mark.parametrize("bad", ["12", "hello", "+46 70 12", "0000000000", ""])
def test_bad_phone_numbers_are_asked_again(partnership: Partnership, bad: str) -> None:
    """An invalid number never reaches a case; the seeker is asked again kindly."""
    seeker = Seeker(partnership)
    seeker.start()
    choose_contact(seeker, "call")
    assert seeker.step is Step.PHONE
    replies = seeker.write(bad)
    assert seeker.step is Step.PHONE
    assert "does not look like a phone number" in replies[0].text
    seeker.write("+46 8 123 456 78")
    assert seeker.step is Step.CALL_TIME
    assert seeker.state.answers.phone == "+46812345678"


def test_phone_step_offers_chat_instead(partnership: Partnership) -> None:
    """A seeker who will not give a number can be written to here instead."""
    seeker = Seeker(partnership)
    seeker.start()
    choose_contact(seeker, "sms")
    seeker.pick("chat")
    assert seeker.step is Step.TALK_LANGUAGE
    assert (seeker.state.answers.contact, seeker.state.answers.phone) == (ContactMethod.CHAT, None)


def test_sms_sender_can_use_their_own_number(partnership: Partnership) -> None:
    """On SMS the number they write from is offered, and an SMS contact skips call questions."""
    seeker = Seeker(partnership, channel=Channel.SMS, phone="+46701234567")
    seeker.start()
    choose_contact(seeker, "sms")
    seeker.pick("this")
    assert seeker.state.answers.phone == "+46701234567"
    assert seeker.step is Step.SMS_OK


def test_email_contact_validates_the_address(partnership: Partnership) -> None:
    """E-mail contact asks for an address and checks its shape."""
    seeker = Seeker(partnership)
    seeker.start()
    choose_contact(seeker, "email")
    seeker.write("not an address")
    assert seeker.step is Step.EMAIL
    seeker.write("me@example.org")
    assert seeker.step is Step.TALK_LANGUAGE
    assert seeker.state.answers.email == "me@example.org"


def test_meeting_with_phone_asks_when_to_call(partnership: Partnership) -> None:
    """A meeting is arranged by phone when a number is given."""
    seeker = Seeker(partnership)
    seeker.start()
    choose_contact(seeker, "meet")
    seeker.write("0701234567")
    assert seeker.step is Step.CALL_TIME
    seeker.write("after 15 on weekdays")
    assert seeker.state.answers.call_time_note == "after 15 on weekdays"
    assert seeker.step is Step.VOICEMAIL


def test_choices_can_be_picked_by_number(partnership: Partnership) -> None:
    """A typed number picks the choice with that number, as on SMS."""
    seeker = Seeker(partnership)
    seeker.command(CommandName.START)
    assert [c.value for c in seeker.last.choices] == ["sv", "en"]  # Swedish by default
    seeker.write("2")
    assert seeker.state.locale == "en"
    seeker.write("1")
    seeker.write("3")
    assert seeker.state.answers.role is Role.RELATIVE


def test_multiple_choice_toggles_and_replaces_the_question(partnership: Partnership) -> None:
    """A button toggles a need and the question is redrawn with the selection marked."""
    seeker = Seeker(partnership)
    seeker.start()
    for value in ("skip", "21_plus", "skip", "skip", "skip"):
        seeker.pick(value)
    assert seeker.step is Step.NEEDS
    assert seeker.last.choices[-1].value == "skip"
    replies = seeker.pick("meeting")
    assert replies[0].replaces_previous
    assert [c.value for c in replies[0].choices if c.selected] == ["meeting"]
    assert replies[0].choices[-1].value == "done"
    seeker.pick("compensation")
    seeker.pick("meeting")  # pressed again: unselected
    seeker.pick("done")
    assert seeker.state.answers.needs == {SupportNeed.COMPENSATION}
    assert seeker.step is Step.CONTACT


def test_multiple_choice_by_numbers(partnership: Partnership) -> None:
    """On SMS several numbers at once select and move on; a number out of range is re-asked."""
    seeker = Seeker(partnership)
    seeker.start()
    for value in ("skip", "21_plus", "skip", "skip"):
        seeker.pick(value)
    seeker.write("1, 3 9")
    assert seeker.step is Step.CIRCUMSTANCES
    seeker.write("1 3")
    assert seeker.state.answers.circumstances == {
        Circumstance.CLOSE_RELATIONSHIP,
        Circumstance.HATE,
    }
    assert seeker.step is Step.NEEDS


def test_button_from_an_earlier_question_is_ignored(partnership: Partnership) -> None:
    """A stale button does not answer the current question; it is asked again."""
    seeker = Seeker(partnership)
    seeker.start()
    seeker.pick("victim")
    replies = seeker.send(Pick(Step.ROLE, "witness"))
    assert seeker.step is Step.AGE
    assert seeker.state.answers.role is Role.VICTIM
    assert replies[0].step == Step.AGE


def test_nonsense_answer_to_a_choice_is_asked_again(partnership: Partnership) -> None:
    """Free text where a choice is needed gets the friendly re-ask."""
    seeker = Seeker(partnership)
    seeker.start()
    replies = seeker.write("what?")
    assert seeker.step is Step.ROLE
    assert "did not understand" in replies[0].text


@pytest.mark.parametrize("at", [Step.LANGUAGE, Step.CONSENT, Step.AREA, Step.PHONE, Step.NOTES])
def test_erase_in_the_middle_forgets_everything(partnership: Partnership, at: Step) -> None:
    """Erase at any step leaves a fresh state and tells the service to delete the data."""
    seeker = Seeker(partnership)
    seeker.command(CommandName.START)
    script = ["en", "yes", "victim", "21_plus", "skip", "skip", "skip", "skip", "call"]
    for value in script:
        if seeker.step is at:
            break
        seeker.pick(value)
    if at is Step.NOTES:
        seeker.write("0701234567")
        for value in ("any", "no", "no", "skip", "skip"):
            seeker.pick(value)
    assert seeker.step is at
    replies = seeker.command(CommandName.ERASE)
    assert isinstance(seeker.events[-1], DataErased)
    assert seeker.state.answers.role is None and not seeker.state.started
    assert "erased" in replies[0].text


def test_erase_after_the_case_was_made(partnership: Partnership) -> None:
    """Erase works after the intake too."""
    seeker = Seeker(partnership)
    seeker.start()
    complete(seeker)
    seeker.command(CommandName.ERASE)
    assert isinstance(seeker.events[-1], DataErased)


def test_help_repeats_the_current_question(partnership: Partnership) -> None:
    """Help lists the commands and then asks the question again."""
    seeker = Seeker(partnership)
    seeker.start()
    seeker.pick("victim")
    replies = seeker.command(CommandName.HELP)
    assert "{delete}" in replies[0].text and replies[0].params["emergency"] == "112"
    assert replies[1].step == Step.AGE
    assert seeker.step is Step.AGE


def test_change_language_mid_intake_resumes_the_step(partnership: Partnership) -> None:
    """After a change of language the dialogue continues where it was, with the answers."""
    seeker = Seeker(partnership)
    seeker.start("en")
    seeker.pick("victim")
    seeker.command(CommandName.LANGUAGE)
    assert seeker.step is Step.LANGUAGE
    replies = seeker.pick("sv")
    assert (seeker.step, seeker.state.locale) == (Step.AGE, "sv")
    assert replies[0].step == Step.AGE
    assert seeker.state.answers.role is Role.VICTIM


def test_change_language_after_the_case(partnership: Partnership) -> None:
    """After the intake a new language only changes how we write."""
    seeker = Seeker(partnership)
    seeker.start("en")
    complete(seeker)
    seeker.command(CommandName.LANGUAGE)
    seeker.pick("sv")
    assert (seeker.step, seeker.state.locale) == (Step.DONE, "sv")


def test_stop_in_the_middle_keeps_nothing(partnership: Partnership) -> None:
    """Stop ends the intake; only the anonymous outcome remains."""
    seeker = Seeker(partnership)
    seeker.start()
    seeker.pick("victim")
    seeker.command(CommandName.STOP)
    assert seeker.step is Step.ENDED
    assert seeker.state.answers.role is None
    assert seeker.events == [IntakeEnded(IntakeOutcome.STOPPED, "en")]
    seeker.write("hello again")
    assert seeker.step is Step.LANGUAGE


def test_stop_after_the_case_keeps_the_case(partnership: Partnership) -> None:
    """Stopping after the intake does not throw away the case."""
    seeker = Seeker(partnership)
    seeker.start()
    complete(seeker)
    events = len(seeker.events)
    replies = seeker.command(CommandName.STOP)
    assert seeker.step is Step.DONE and len(seeker.events) == events
    assert "{reference}" in replies[0].text


def test_messages_after_the_case_go_to_the_support_person(partnership: Partnership) -> None:
    """After the intake, what the seeker writes is passed on, and they are told so."""
    seeker = Seeker(partnership)
    seeker.start()
    complete(seeker)
    replies = seeker.write("  Can you call tomorrow instead?  ")
    assert seeker.step is Step.DONE
    assert seeker.events[-1] == SeekerWrote("Can you call tomorrow instead?")
    assert "Passed on" in replies[0].text
    events = len(seeker.events)
    replies = seeker.send(Pick(Step.NOTES, "skip"))  # an old button is not a message
    assert "{reference}" in replies[0].text
    assert len(seeker.events) == events


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("070-123 45 67", "+46701234567"),
        ("+46701234567", "+46701234567"),
        ("0046 70 123 45 67", "+46701234567"),
        ("08-123 456 78", "+46812345678"),
        ("+358 40 1234567", "+358401234567"),
        ("070123", None),
        ("phone", None),
    ],
)
def test_normalise_phone(text: str, expected: str | None) -> None:
    """Numbers are validated and stored as E.164, Swedish unless a country code is given."""
    assert normalise_phone(text) == expected


def test_language_command_before_any_answer_starts_normally(partnership: Partnership) -> None:
    """/language as the first word, or twice, still leads to the intro and consent."""
    seeker = Seeker(partnership)
    seeker.command(CommandName.LANGUAGE)
    seeker.command(CommandName.LANGUAGE)
    assert seeker.step is Step.LANGUAGE
    replies = seeker.pick("en")
    assert seeker.step is Step.CONSENT
    assert len(replies) == 3  # intro, privacy note, consent question
