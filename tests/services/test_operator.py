"""The operator's service on the storage ports in memory: referrals, staff records, histories."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.cases import (
    CaseEvent,
    CaseRecord,
    CaseSource,
    CaseStatus,
    Staff,
    StaffRole,
)
from bot.domain.dialogue import Translatable
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    ContactMethod,
    CrimeCategory,
    Partnership,
    SupportNeed,
)
from bot.services.operator import OperatorService, ReferredCase
from tests.conftest import FakeClock
from tests.memory_units import MemoryUnits

POLICE_REFERRAL = ReferredCase(
    org_id="vasterort",
    source=CaseSource.POLICE,
    locale="ar",
    phone="+46707654321",
    age_group=AgeGroup.AGE_21_PLUS,
    district_id="bromma",
    crime=CrimeCategory.THREAT,
    needs=(SupportNeed.TALK, SupportNeed.LEGAL_PROCESS),
    contact=ContactMethod.CALL,
    call_time=CallTime.DAYTIME,
    voicemail_ok=True,
    sms_ok=False,
)


@pytest.fixture
def operator(units: MemoryUnits, clock: FakeClock, partnership: Partnership) -> OperatorService:
    return OperatorService(units, clock, partnership)


async def add_staff(
    units: MemoryUnits,
    clock: FakeClock,
    name: str,
    telegram_id: int,
    org_id: str = "vasterort",
    role: StaffRole = StaffRole.VOLUNTEER,
) -> int:
    async with units.begin() as unit:
        return await unit.staff.add(
            org_id=org_id, role=role, name=name, telegram_id=telegram_id, locale="sv",
            now=clock.now(),
        )  # fmt: skip


async def case_by(units: MemoryUnits, reference: str) -> CaseRecord:
    async with units.begin() as unit:
        case = await unit.cases.by_reference(reference)
    assert case is not None
    return case


# -- registering a case by hand -------------------------------------------------------------


async def test_a_referral_is_stored_as_a_case(
    operator: OperatorService, units: MemoryUnits, clock: FakeClock
) -> None:
    """Every field of the referral is on the new case, under a fresh reference."""
    reference = await operator.register_case(POLICE_REFERRAL)
    case = await case_by(units, reference)
    assert case == CaseRecord(
        id=case.id, reference=reference, org_id="vasterort", source=CaseSource.POLICE,
        status=CaseStatus.NEW, received_at=clock.now(), locale="ar", channel=None,
        age_group=AgeGroup.AGE_21_PLUS, district_id="bromma", crime=CrimeCategory.THREAT,
        needs=frozenset({SupportNeed.TALK, SupportNeed.LEGAL_PROCESS}),
        contact=ContactMethod.CALL, talk_language="ar", phone="+46707654321",
        call_time=CallTime.DAYTIME, voicemail_ok=True, sms_ok=False, area_kind=AreaKind.DISTRICT,
    )  # fmt: skip
    assert len(reference) == 7 and reference[3] == "-"
    async with units.begin() as unit:
        assert await unit.cases.seeker_of(case.id) is None  # no chat to write back to


async def test_a_registered_case_records_its_registration(
    operator: OperatorService, units: MemoryUnits, clock: FakeClock
) -> None:
    """The audit trail starts with "registered", by no staff member, naming the source."""
    case = await case_by(units, await operator.register_case(POLICE_REFERRAL))
    async with units.begin() as unit:
        assert await unit.cases.events(case.id) == [
            CaseEvent(clock.now(), None, "registered", "police")
        ]


async def test_a_registered_case_is_followed_up_like_any_other(
    operator: OperatorService, units: MemoryUnits
) -> None:
    """A referral waits for first contact, so the reminders see it."""
    reference = await operator.register_case(
        ReferredCase("soderort", CaseSource.WALK_IN, "sv", contact=ContactMethod.MEET)
    )
    async with units.begin() as unit:
        waiting = await unit.reminders.awaiting_contact()
    assert [(c.reference, c.org_id, c.channel) for c in waiting] == [(reference, "soderort", None)]


@pytest.mark.parametrize(
    "referral",
    [
        ReferredCase("nowhere", CaseSource.PHONE, "sv"),
        ReferredCase("vasterort", CaseSource.PHONE, "sv", district_id="atlantis"),
    ],
    ids=["organisation", "district"],
)
async def test_an_unknown_organisation_or_district_is_refused(
    operator: OperatorService, units: MemoryUnits, partnership: Partnership, referral: ReferredCase
) -> None:
    """KeyError, and nothing is stored."""
    with pytest.raises(KeyError):
        await operator.register_case(referral)
    async with units.begin() as unit:
        for org in partnership.organisations:
            assert await unit.cases.of_org(org.id, list(CaseStatus)) == []


# -- staff records ---------------------------------------------------------------------------


async def test_the_roster_lists_one_organisation_or_all(
    operator: OperatorService, units: MemoryUnits, clock: FakeClock
) -> None:
    """Staff of the organisation asked for, or everyone when none is named."""
    west = await add_staff(units, clock, "Ali", 101)
    south = await add_staff(units, clock, "Bo", 102, org_id="soderort", role=StaffRole.COORDINATOR)
    assert [s.id for s in await operator.roster("vasterort")] == [west]
    assert [s.id for s in await operator.roster("soderort")] == [south]
    assert sorted(s.id for s in await operator.roster()) == [west, south]
    assert await operator.roster("innerstaden") == []


async def test_update_staff_trains_activates_and_sets_languages(
    operator: OperatorService, units: MemoryUnits, clock: FakeClock
) -> None:
    """Each change touches only its own field; the roster shows the result."""
    staff_id = await add_staff(units, clock, "Ali", 101)
    assert await operator.update_staff(staff_id, trained_on=date(2026, 11, 20))
    assert await operator.update_staff(staff_id, languages=("sv", "ar"))
    assert await operator.update_staff(staff_id, active=False)
    (staff,) = await operator.roster("vasterort")
    assert staff == Staff(
        staff_id, "vasterort", StaffRole.VOLUNTEER, "Ali", "sv",
        languages=("sv", "ar"), trained_on=date(2026, 11, 20), active=False,
    )  # fmt: skip
    assert not staff.assignable

    assert await operator.update_staff(staff_id, active=True)
    (staff,) = await operator.roster("vasterort")
    assert staff.active and staff.assignable and staff.languages == ("sv", "ar")


async def test_update_staff_of_no_one_is_false(
    operator: OperatorService, units: MemoryUnits, clock: FakeClock
) -> None:
    """An unknown id changes nothing and says so."""
    staff_id = await add_staff(units, clock, "Ali", 101)
    assert not await operator.update_staff(staff_id + 1, trained_on=date(2026, 11, 20))
    (staff,) = await operator.roster()
    assert staff.trained_on is None


# -- a case's history -----------------------------------------------------------------------


async def test_case_history_of_an_unknown_reference_is_none(operator: OperatorService) -> None:
    """No such case: None, not an empty history."""
    assert await operator.case_history("ZZZ-ZZZ") is None


async def test_case_history_tells_every_event_with_names(
    operator: OperatorService, units: MemoryUnits, clock: FakeClock
) -> None:
    """Received, registered, then each event in order, staff named, however the ref is typed."""
    received = clock.now()
    reference = await operator.register_case(POLICE_REFERRAL)
    coordinator = await add_staff(units, clock, "Karin", 101, role=StaffRole.COORDINATOR)
    volunteer = await add_staff(units, clock, "Ali", 102)
    clock.advance(hours=2)
    case = await case_by(units, reference)
    async with units.begin() as unit:
        await unit.cases.assign(case.id, volunteer)
        await unit.cases.record_event(case.id, coordinator, "assigned", str(volunteer), clock.now())

    found = await operator.case_history(reference.lower())
    assert found is not None
    shown_reference, lines = found
    assert shown_reference == reference
    assert [line.text for line in lines] == [
        "{at} received ({source})",
        "{at} {who} registered it by hand",
        "{at} {who} assigned it to {volunteer}",
    ]
    received_line, registered, assigned = lines
    assert received_line.params["at"] == received
    assert registered.params["who"] == Translatable(("an operator",))
    who = (assigned.params["at"], assigned.params["who"], assigned.params["volunteer"])
    assert who == (clock.now(), "Karin", "Ali")
