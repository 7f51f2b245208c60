"""What staff chats on Telegram carry: plain by default, today's details when configured."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.render import SLASH_COMMANDS, render
from bot.domain import staff_notices as notices
from bot.domain import staff_views as views
from bot.domain import transfer_views
from bot.domain.cases import (
    Attempt,
    AttemptChannel,
    AttemptOutcome,
    CaseMessage,
    CaseRecord,
    CaseSource,
    CaseStatus,
    CloseReason,
    TransferReason,
)
from bot.domain.dialogue import Line, Reply
from bot.domain.followup import Due, Rule, follow_up
from bot.domain.model import (
    AgeGroup,
    CallTime,
    Channel,
    ContactMethod,
    Partnership,
    SupportNeed,
)
from bot.i18n import Catalogs

DESK = "https://bot.example.org/desk"
PLAIN, DETAILED = notices.StaffSettings(False, DESK), notices.StaffSettings(True, DESK)
RECEIVED = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # a Tuesday, 14:00 in Stockholm
PHONE, EMAIL = "+46701234567", "seeker@example.org"
NOTE, CALL_NOTE, BODY = "Grannen Zacharias hotar mig", "inte före sex", "Kan ni ringa i kväll?"
# Everything personal a case holds, as a staff chat would show it (the district by name).
PERSONAL = (PHONE, "070", EMAIL, NOTE, CALL_NOTE, BODY, "Bromma", "Someone to talk to",
            "21 or older", "Swedish")  # fmt: skip


def a_case(status: CaseStatus = CaseStatus.ASSIGNED) -> CaseRecord:
    """A case that holds every kind of personal data, with an evening attempt."""
    evening = RECEIVED + timedelta(hours=5)  # 19:00 in Stockholm
    closed = status is CaseStatus.CLOSED
    return CaseRecord(
        id=1, reference="K7M-4QX", org_id="vasterort", source=CaseSource.BOT, status=status,
        received_at=RECEIVED, locale="sv", channel=Channel.TELEGRAM, volunteer_id=7,
        age_group=AgeGroup.AGE_21_PLUS, district_id="bromma",
        needs=frozenset({SupportNeed.TALK}), contact=ContactMethod.CALL, talk_language="sv",
        phone=PHONE, email=EMAIL, call_time=CallTime.EVENING, call_time_note=CALL_NOTE,
        voicemail_ok=False, sms_ok=True, notes=NOTE,
        attempts=(Attempt(evening, AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER),),
        closed_at=evening if closed else None,
        close_reason=CloseReason.SUPPORTED if closed else None,
    )  # fmt: skip


def shown(reply: Reply, catalogs: Catalogs, locale: str = "en") -> str:
    return render(reply, catalogs.translator(locale), SLASH_COMMANDS).text


def view(settings: notices.StaffSettings, case: CaseRecord, partnership: Partnership) -> Reply:
    return notices.case_view(
        settings, case, follow_up(case, partnership), partnership, show_phone=True,
        volunteer="Vera", conversation=[CaseMessage(RECEIVED, True, BODY)],
        opted_out=True, history=[Line("{at} Vera wrote to the seeker", {"at": RECEIVED})],
        closed_by="Vera",
    )  # fmt: skip


def every_notice(settings: notices.StaffSettings, partnership: Partnership) -> dict[str, Reply]:
    """Each notice and view a staff chat can get about a case, made with *settings*."""
    case = a_case()
    due = follow_up(case, partnership)
    reminder = Due(1, case.reference, Rule.DEADLINE_NEAR, (), "p", due.deadline)
    earlier = views.Earlier(a_case(CaseStatus.CLOSED), "Vera")
    return {
        "new case": notices.new_case(settings, case, due, partnership),
        "new case after an earlier one": notices.new_case(
            settings, case, due, partnership, earlier
        ),
        "received": notices.received(
            settings, case, due, partnership, "Stödcentrum", TransferReason.AGE
        ),
        "assigned": notices.assigned(settings, case, due, partnership),
        "seeker wrote": notices.seeker_wrote(settings, case.reference, BODY),
        "more from the seeker": notices.more_from_seeker(settings, case.reference),
        "reminder": notices.reminder(settings, reminder, partnership),
        "closed": notices.closed(settings, case.reference, "Vera", CloseReason.SUPPORTED),
        "case view": view(settings, case, partnership),
        "closed case view": view(settings, a_case(CaseStatus.CLOSED), partnership),
    }


@pytest.mark.parametrize("locale", ["en", "sv"])
def test_plain_notices_name_the_case_its_deadline_and_its_page_and_nothing_personal(
    partnership: Partnership, catalogs: Catalogs, locale: str
) -> None:
    """Each plain notice links to the case on the desk and holds no personal data."""
    for name, reply in every_notice(PLAIN, partnership).items():
        text = shown(reply, catalogs, locale)
        assert "K7M-4QX" in text, name
        assert text.endswith(f"{DESK}/cases/K7M-4QX"), (name, text)
        for personal in PERSONAL:
            assert personal not in text, (name, personal, text)


def test_with_details_every_notice_is_what_it_was(partnership: Partnership) -> None:
    """`telegram_details = true` keeps today's detailed messages exactly."""
    case = a_case()
    due = follow_up(case, partnership)
    params = views.summary_params(case, partnership, due)
    detailed = every_notice(DETAILED, partnership)
    assert detailed["new case"] == views.new_case_notice(params)
    assert detailed["received"] == transfer_views.received_notice(
        params, "Stödcentrum", TransferReason.AGE
    )
    assert detailed["assigned"] == views.assigned_notice(params)
    assert detailed["more from the seeker"] == views.more_from_seeker(case.reference)
    assert detailed["closed"] == views.closed_notice(case.reference, "Vera", CloseReason.SUPPORTED)
    assert detailed["case view"] == views.case_view(
        case, params, due, show_phone=True, volunteer="Vera",
        conversation=[CaseMessage(RECEIVED, True, BODY)], opted_out=True,
        history=[Line("{at} Vera wrote to the seeker", {"at": RECEIVED})], closed_by="Vera",
    )  # fmt: skip


def test_with_details_the_personal_data_is_there(
    partnership: Partnership, catalogs: Catalogs
) -> None:
    """The detailed case view shows the number, the note and the conversation."""
    text = shown(every_notice(DETAILED, partnership)["case view"], catalogs)
    for personal in (PHONE, EMAIL, NOTE, BODY, "Bromma", "Someone to talk to"):
        assert personal in text, personal
    assert DESK not in text


def test_a_plain_case_view_has_what_a_quick_action_needs(
    partnership: Partnership, catalogs: Catalogs
) -> None:
    """Reference, status, deadline, volunteer, source, attempts with the evening one marked,
    the closure, the page on the desk, and the buttons to act."""
    open_ = every_notice(PLAIN, partnership)["case view"]
    assert shown(open_, catalogs).splitlines() == [
        "Case K7M-4QX · assigned",
        "First contact by: Friday, November 27, 2026, 2:00\u202fPM",
        "Volunteer: Vera",
        "Came through: the bot",
        "Attempts: 1; in the evening: Yes",
        f"On the desk: {DESK}/cases/K7M-4QX",
    ]
    assert open_.choices == views.case_actions(a_case())
    closed = shown(every_notice(PLAIN, partnership)["closed case view"], catalogs, "sv")
    assert "Avslutat" in closed and "Vera" in closed, closed


def test_the_seekers_message_can_be_answered_from_a_plain_notice() -> None:
    """The Answer button stays: it starts /reply for the case."""
    plain = notices.seeker_wrote(PLAIN, "K7M-4QX", BODY)
    detailed = notices.seeker_wrote(DETAILED, "K7M-4QX", BODY)
    assert plain.choices == detailed.choices
    assert [c.value for c in plain.choices] == ["reply:K7M-4QX"]
    assert plain.text == notices.SEEKER_WROTE and detailed.text == views.SEEKER_MESSAGE


@pytest.mark.parametrize(
    "notice",
    [
        lambda s, p: notices.reminder(s, Due(1, "K7M-4QX", Rule.UNASSIGNED, (), "p", RECEIVED), p),
        lambda s, p: notices.closed(s, "K7M-4QX", "Vera", CloseReason.NOT_REACHED),
    ],
)
def test_notices_without_personal_data_only_gain_the_link(
    partnership: Partnership,
    notice: Callable[[notices.StaffSettings, Partnership], Reply],
) -> None:
    """A reminder or a closure carries nothing of the seeker either way; plain adds the link."""
    plain, detailed = notice(PLAIN, partnership), notice(DETAILED, partnership)
    assert plain.text == detailed.text and plain.choices == detailed.choices
    assert plain.lines == (Line("On the desk: {link}", {"link": f"{DESK}/cases/K7M-4QX"}),)


def test_the_desk_link_names_the_case() -> None:
    assert PLAIN.case_link("K7M-4QX") == "https://bot.example.org/desk/cases/K7M-4QX"
