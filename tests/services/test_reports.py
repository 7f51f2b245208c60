"""ReportService on the in-memory units: the follow-up figures from cases made through the ports."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calls import CallState
from bot.domain.care import Accompaniment, CareContact, Support, SupportKind
from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CaseSource,
    CloseReason,
    NewCase,
    StaffRole,
)
from bot.domain.followup import Rule
from bot.domain.model import Channel, Gender, IntakeOutcome, Partnership
from bot.domain.stats import TRANSFERRED, CallFigures, transfer_detail
from bot.domain.training import Session, SessionKind
from bot.services.reports import ReportService, as_csv, as_dict, as_json, as_markdown
from tests.contract.builders import answers
from tests.memory_units import MemoryUnits

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def local(text: str) -> datetime:
    """Return a Stockholm wall-clock time as the UTC moment it is."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


@dataclass
class Books:
    """Cases, calls, closures and moves written through the ports, as the services write them."""

    units: MemoryUnits
    staff_id: int

    async def case(
        self,
        received: str,
        org_id: str = "vasterort",
        *,
        gender: Gender | None = Gender.WOMAN,
        channel: Channel = Channel.TELEGRAM,
    ) -> int:
        """Store a case received at the local time *received*."""
        told = replace(answers(), gender=gender)
        new = NewCase(org_id, CaseSource.BOT, "sv", local(received), told, channel=channel)
        async with self.units.begin() as unit:
            case_id, _ = await unit.cases.add(new, lambda: f"R{received[5:16]}{org_id}")
        return case_id

    async def call(self, case_id: int, at: str, outcome: AttemptOutcome) -> None:
        """Record a phone call at the local time *at*."""
        async with self.units.begin() as unit:
            await unit.cases.add_attempt(
                case_id, self.staff_id, local(at), AttemptChannel.PHONE, outcome, local(at)
            )

    async def answered(self, case_id: int, at: str) -> None:
        """The seeker answered their support person in the chat at *at*."""
        async with self.units.begin() as unit:
            await unit.cases.record_event(case_id, None, "seeker_answered", "", local(at))

    async def close(self, case_id: int, reason: CloseReason) -> None:
        async with self.units.begin() as unit:
            await unit.cases.close(case_id, reason, local("2026-11-29 12:00"))

    async def move(self, case_id: int, from_org: str, to_org: str, at: str) -> None:
        """Move a case as the staff service does: the case, and the event the report counts."""
        async with self.units.begin() as unit:
            await unit.cases.transfer(case_id, to_org)
            detail = transfer_detail(from_org, to_org)
            await unit.cases.record_event(case_id, self.staff_id, TRANSFERRED, detail, local(at))


@pytest.fixture
async def books(units: MemoryUnits) -> Books:
    async with units.begin() as unit:
        staff_id = await unit.staff.add(
            org_id="vasterort", role=StaffRole.VOLUNTEER, name="Vera", telegram_id=9002,
            locale="sv", now=local("2026-10-01 09:00"),
        )  # fmt: skip
    return Books(units, staff_id)


@pytest.fixture
def reports(units: MemoryUnits, partnership: Partnership) -> ReportService:
    return ReportService(units, partnership)


async def test_a_period_holds_the_cases_received_in_it_in_stockholm_time(
    books: Books, reports: ReportService
) -> None:
    """Local dates bound the period, both ends included; each month counts its own."""
    for received in (
        "2026-10-31 23:59",  # 22:59 UTC: October
        "2026-11-01 00:30",  # 31 October in UTC, November here
        "2026-11-30 23:59",
        "2026-12-01 00:30",  # 30 November in UTC, December here
    ):
        await books.case(received)
    november = await reports.report("vasterort", *NOVEMBER)
    assert november.figures.cases == 2
    quarter = await reports.report("vasterort", date(2026, 10, 1), date(2026, 12, 31))
    assert quarter.figures.cases == 4
    assert {month: f.cases for month, f in quarter.monthly.items()} == {
        "2026-10": 1,
        "2026-11": 2,
        "2026-12": 1,
    }


async def test_first_contact_attempts_and_closures(books: Books, reports: ReportService) -> None:
    """Reached by a call or by answering in the chat, in time or late; not reached, and how."""
    in_time = await books.case("2026-11-02 10:00")
    await books.call(in_time, "2026-11-02 19:30", AttemptOutcome.REACHED)  # 9.5 h
    late = await books.case("2026-11-03 10:00")
    await books.call(late, "2026-11-07 10:00", AttemptOutcome.REACHED)  # 96 h: past three days
    chatted = await books.case("2026-11-04 10:00")
    await books.answered(chatted, "2026-11-04 12:00")  # 2 h
    tried_well = await books.case("2026-11-05 10:00")
    for at in ("2026-11-05 11:00", "2026-11-05 19:00", "2026-11-06 11:00"):  # one evening
        await books.call(tried_well, at, AttemptOutcome.NO_ANSWER)
    await books.close(tried_well, CloseReason.NOT_REACHED)
    tried_badly = await books.case("2026-11-06 10:00")
    for at in ("2026-11-06 11:00", "2026-11-06 12:00"):  # daytime, and only two
        await books.call(tried_badly, at, AttemptOutcome.NO_ANSWER)
    await books.close(tried_badly, CloseReason.NOT_REACHED)
    await books.close(in_time, CloseReason.SUPPORTED)

    f = (await reports.report("vasterort", *NOVEMBER)).figures
    assert f.cases == 5
    assert f.first_contact_within_deadline == 2 / 5
    assert f.median_hours_to_first_contact == 9.5  # of 2, 9.5 and 96
    assert (f.not_reached, f.not_reached_with_three_incl_evening) == (2, 0.5)
    assert f.attempts_per_case == (1 + 1 + 0 + 3 + 2) / 5
    assert f.by["closure"] == {"not_reached": 2, "supported": 1}


async def test_cases_are_broken_down_by_what_the_seeker_told(
    books: Books, reports: ReportService
) -> None:
    """Gender (or not given), channel, district, needs: counted from the stored answers."""
    await books.case("2026-11-02 10:00", gender=Gender.MAN, channel=Channel.SMS)
    await books.case("2026-11-03 10:00", gender=None)
    await books.case("2026-11-04 10:00")
    by = (await reports.report("vasterort", *NOVEMBER)).figures.by
    assert by["gender"] == {"man": 1, "not_given": 1, "woman": 1}
    assert by["channel"] == {"sms": 1, "telegram": 2}
    assert by["source"] == {"bot": 3}
    assert by["need"] == {"legal_process": 3, "talk": 3}
    assert by["district"] == {"not_given": 3}


async def test_only_the_organisations_own_cases_count(books: Books, reports: ReportService) -> None:
    """Another partner's cases are theirs; a moved case counts where it is now."""
    await books.case("2026-11-02 10:00")
    await books.case("2026-11-03 10:00", "soderort")
    moved = await books.case("2026-11-04 10:00")
    await books.move(moved, "vasterort", "stodcentrum", "2026-11-05 10:00")
    cases = {
        org: (await reports.report(org, *NOVEMBER)).figures.cases
        for org in ("vasterort", "soderort", "stodcentrum", "innerstaden")
    }
    assert cases == {"vasterort": 1, "soderort": 1, "stodcentrum": 1, "innerstaden": 0}
    with pytest.raises(KeyError):
        await reports.report("nowhere", *NOVEMBER)


async def test_intakes_reminders_and_referrals_of_the_period(
    books: Books, reports: ReportService, units: MemoryUnits
) -> None:
    """Intakes without a case, reminders sent for its cases, and moves in and out, in period."""
    ours = await books.case("2026-11-02 10:00")
    theirs = await books.case("2026-11-02 11:00", "soderort")
    async with units.begin() as unit:
        for outcome, at in (
            (IntakeOutcome.CONSENT_REFUSED, "2026-11-10 10:00"),
            (IntakeOutcome.CONSENT_REFUSED, "2026-11-11 10:00"),
            (IntakeOutcome.REFERRED_NATIONAL, "2026-11-12 10:00"),
            (IntakeOutcome.STOPPED, "2026-12-01 10:00"),  # December
        ):
            await unit.intake.record_outcome(outcome, Channel.TELEGRAM, "sv", local(at))
        morning = local("2026-11-03 08:00")
        for case_id in (ours, theirs):
            assert await unit.reminders.claim(case_id, Rule.UNASSIGNED, "2026-11-03", morning)
            await unit.reminders.mark_sent(case_id, Rule.UNASSIGNED, "2026-11-03", morning)
        # Claimed by a sweep that never finished: not sent, so not counted.
        await unit.reminders.claim(ours, Rule.UNASSIGNED, "2026-11-04", local("2026-11-04 08:00"))
    await books.move(ours, "vasterort", "stodcentrum", "2026-11-15 10:00")
    await books.move(ours, "soderort", "vasterort", "2026-11-16 10:00")
    await books.move(ours, "vasterort", "soderort", "2026-11-17 10:00")
    december = await books.case("2026-11-20 10:00", "soderort")
    await books.move(december, "soderort", "vasterort", "2026-12-01 10:00")

    f = (await reports.report("vasterort", *NOVEMBER)).figures
    assert f.outcomes == {"consent_refused": 2, "referred_national": 1}
    assert f.reminders == {}  # the case now belongs to soderort, and its reminders with it
    assert f.referrals == {
        "national_line": 1,
        "received": 1,
        "to_association": 1,
        "to_stodcentrum": 1,
    }
    theirs_now = (await reports.report("soderort", *NOVEMBER)).figures
    assert theirs_now.reminders == {"unassigned": 2}
    assert theirs_now.referrals == {"national_line": 1, "received": 1, "to_association": 1}


async def test_small_counts_are_suppressed_in_what_leaves(
    books: Books, reports: ReportService
) -> None:
    """Below five a count shows as "<5", zero stays zero; shares and the threshold as asked."""
    for day in range(2, 6):
        await books.case(f"2026-11-0{day} 10:00")
    await books.case("2026-11-06 10:00", gender=Gender.MAN)
    report = await reports.report("vasterort", *NOVEMBER)
    data = as_dict(report)
    assert (data["cases"], data["not_reached"]) == (5, 0)
    by = data["by"]
    assert isinstance(by, dict)
    assert by["gender"] == {"man": "<5", "woman": "<5"}
    assert data["first_contact_within_deadline"] == 0.0
    assert json.loads(as_json(report)) == data
    table = list(csv.reader(io.StringIO(as_csv(report))))
    assert table[:2] == [["figure", "group", "value"], ["cases", "", "5"]]
    assert ["gender", "man", "<5"] in table and ["gender", "woman", "<5"] in table
    exact = list(csv.reader(io.StringIO(as_csv(report, threshold=1))))
    assert ["gender", "man", "1"] in exact and ["gender", "woman", "4"] in exact
    assert as_dict(report, threshold=10)["cases"] == "<10"
    markdown = as_markdown(report)
    assert "Counts below 5 are shown as <5." in markdown
    assert "| gender | man | <5 |" in markdown


async def test_an_empty_period_has_no_shares(reports: ReportService) -> None:
    """Without cases nothing is divided by zero: the shares are absent, the counts zero."""
    report = await reports.report("vasterort", *NOVEMBER)
    data = as_dict(report)
    assert data["cases"] == 0
    assert data["first_contact_within_deadline"] is None
    assert data["attempts_per_case"] is None
    assert ["cases", "", "0"] in list(csv.reader(io.StringIO(as_csv(report))))
    assert (report.start, report.end) == NOVEMBER


async def test_calls_placed_reached_and_minutes(books: Books, reports: ReportService) -> None:
    """Calls through the association's number: placed (those Twilio refused were not),
    reached a person, and minutes in all, for the organisation that placed them, in the
    period they were asked for; minutes hidden while the calls are a handful."""
    case_id = await books.case("2026-11-02 10:00")
    placed = [
        ("2026-11-02 19:00", CallState.DONE, AttemptOutcome.REACHED, 600),
        ("2026-11-03 19:00", CallState.DONE, AttemptOutcome.NO_ANSWER, 0),
        ("2026-11-04 19:00", CallState.DONE, AttemptOutcome.DECLINED, 90),  # a person answered
        ("2026-11-05 19:00", CallState.DONE, AttemptOutcome.VOICEMAIL, 3),
        ("2026-11-06 19:00", CallState.MISSED, None, None),  # the volunteer did not answer
        ("2026-11-07 19:00", CallState.FAILED, None, None),  # Twilio refused: not placed
        ("2026-12-01 19:00", CallState.DONE, AttemptOutcome.REACHED, 60),  # December
    ]
    async with books.units.begin() as unit:
        for at, state, outcome, seconds in placed:
            call_id = await unit.calls.add(case_id, books.staff_id, "vasterort", True, local(at))
            await unit.calls.finish(call_id, state, outcome, seconds, None)
    report = await reports.report("vasterort", *NOVEMBER)
    assert report.figures.calls == CallFigures(placed=5, reached=2, minutes=693 / 60)
    assert as_dict(report, threshold=1)["calls"] == {"placed": 5, "reached": 2, "minutes": 12}
    assert as_dict(report)["calls"] == {"placed": 5, "reached": "<5", "minutes": 12}
    assert as_dict(report, threshold=10)["calls"] == {
        "placed": "<10", "reached": "<10", "minutes": None,
    }  # fmt: skip
    table = list(csv.reader(io.StringIO(as_csv(report))))
    assert ["calls", "placed", "5"] in table and ["calls", "minutes", "12"] in table
    assert "| calls | reached | <5 |" in as_markdown(report)
    others = await reports.report("soderort", *NOVEMBER)
    assert others.figures.calls == CallFigures(0, 0, 0.0)


async def test_support_given_over_a_seeded_year(books: Books, reports: ReportService) -> None:
    """A year of contacts after the first: counted per case, by kind, accompaniment,
    application and organisation referred to, in hours; small counts suppressed."""
    cases = [await books.case(f"2026-{month:02d}-03 10:00") for month in range(1, 7)]
    referrals = ["kvinnofridslinjen"] * 5 + ["police"]
    async with books.units.begin() as unit:
        for n, case_id in enumerate(cases):
            for k in range(2):  # two contacts each: twelve in all, 45 minutes each
                given: list[Support] = [Support(SupportKind.CONVERSATION)]
                if k == 0:
                    given.append(Support(SupportKind.REFERRAL, referrals[n]))
                if k == 1 and n < 5:
                    on = date(2026, n + 2, 20)
                    given.append(Support(SupportKind.ACCOMPANIMENT, Accompaniment.TRIAL, on))
                contact = CareContact(
                    date(2026, n + 1, 10 + k), AttemptChannel.PHONE, 45, tuple(given)
                )
                await unit.care.add(case_id, books.staff_id, contact, local("2026-12-01 10:00"))
        # Next year's contact is not this year's.
        late = CareContact(
            date(2027, 1, 5), AttemptChannel.PHONE, 30, (Support(SupportKind.COUNSEL),)
        )
        await unit.care.add(cases[0], books.staff_id, late, local("2027-01-05 10:00"))
    report = await reports.report("vasterort", date(2026, 1, 1), date(2026, 12, 31))
    care = report.figures.care
    assert (care.contacts, care.cases_with_contacts, care.minutes) == (12, 6, 540)
    assert care.by_kind == {"accompaniment": 5, "conversation": 12, "referral": 6}
    assert as_dict(report)["support"] == {
        "contacts": 12,
        "contacts_per_case": 2.0,
        "hours": 9.0,
        "by_kind": {"accompaniment": 5, "conversation": 12, "referral": 6},
        "accompaniments": {"trial": 5},
        "applications": {},
        "referrals_made": {"kvinnofridslinjen": 5, "police": "<5"},
    }
    table = list(csv.reader(io.StringIO(as_csv(report))))
    assert ["support_hours", "", "9.0"] in table
    assert ["support_referrals_made", "police", "<5"] in table
    assert "| support_by_kind | accompaniment | 5 |" in as_markdown(report)
    few = as_dict(report, threshold=10)["support"]
    assert isinstance(few, dict)
    assert (few["contacts_per_case"], few["hours"], few["accompaniments"]) == (
        None, None, {"trial": "<10"},
    )  # fmt: skip


async def test_training_and_supervision_of_the_staff(books: Books, reports: ReportService) -> None:
    async with books.units.begin() as unit:
        sofia = await unit.staff.add(
            org_id="soderort", role=StaffRole.VOLUNTEER, name="Sofia", telegram_id=9005,
            locale="sv", now=local("2026-10-01 09:00"),
        )  # fmt: skip
        for day in range(2, 8):  # six supervisions in November
            session = Session(books.staff_id, date(2026, 11, day), SessionKind.SUPERVISION)
            await unit.training.add(session, None, local("2026-11-20 09:00"))
        further = Session(books.staff_id, date(2026, 11, 9), SessionKind.FURTHER_TRAINING)
        await unit.training.add(further, None, local("2026-11-20 09:00"))
        await unit.training.add(  # December: not counted
            Session(books.staff_id, date(2026, 12, 1), SessionKind.SUPERVISION), None,
            local("2026-12-01 09:00"),
        )  # fmt: skip
        await unit.training.add(  # another organisation's
            Session(sofia, date(2026, 11, 3), SessionKind.SUPERVISION), None,
            local("2026-11-20 09:00"),
        )  # fmt: skip
    report = await reports.report("vasterort", *NOVEMBER)
    assert report.figures.training == {"further_training": 1, "supervision": 6}
    assert as_dict(report)["training_sessions"] == {"further_training": "<5", "supervision": 6}
    table = list(csv.reader(io.StringIO(as_csv(report))))
    assert ["training_sessions", "supervision", "6"] in table
