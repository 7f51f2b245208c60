"""The operator's use cases (`jourbot staff ...`, `jourbot case ...`): trusted, no policy asked.

The operator runs the service; what they do here is what a coordinator cannot do in chat
(register a referral, read a whole history, train and activate staff).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.domain import staff_views as views
from bot.domain.case_history import history_lines
from bot.domain.cases import CaseSource, NewCase, Staff
from bot.domain.conversation import Answers
from bot.domain.dialogue import Line
from bot.domain.model import (
    AgeGroup,
    CallTime,
    ContactMethod,
    CrimeCategory,
    Partnership,
    SupportNeed,
)
from bot.domain.typed import normalise_phone
from bot.i18n import known_language
from bot.ports import Clock, IntakeListener, UnitsOfWork
from bot.services.intake import new_reference
from bot.services.outbox import queue
from bot.services.staff_base import staff_recipient
from bot.services.staff_desk import staff_names

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReferredCase:
    """A case that came another way: police referral, phone or walk-in."""

    org_id: str
    source: CaseSource
    locale: str
    phone: str | None = None
    age_group: AgeGroup | None = None
    district_id: str | None = None
    crime: CrimeCategory | None = None
    needs: tuple[SupportNeed, ...] = ()
    contact: ContactMethod = ContactMethod.CALL
    call_time: CallTime | None = None
    voicemail_ok: bool | None = None
    sms_ok: bool | None = None


class OperatorService:
    def __init__(
        self,
        units: UnitsOfWork,
        clock: Clock,
        partnership: Partnership,
        reference_factory: Callable[[], str] = new_reference,
        *,
        listener: IntakeListener | None = None,
    ) -> None:
        self._units = units
        self._clock = clock
        self._partnership = partnership
        self._new_reference = reference_factory
        # The coordinators hear of a case registered by hand as of any other new case.
        self._listener = listener

    async def roster(self, org_id: str | None = None) -> list[Staff]:
        """Return the staff of one organisation, or of all."""
        async with self._units.begin() as unit:
            return await unit.staff.of_org(org_id)

    async def update_staff(
        self,
        staff_id: int,
        *,
        trained_on: date | None = None,
        active: bool | None = None,
        languages: tuple[str, ...] | None = None,
    ) -> bool:
        """Record training, (de)activation or languages; False if there is no such person.

        ValueError for a language code that names no language (a typo stays out).
        """
        unknown = [code for code in languages or () if not known_language(code)]
        if unknown:
            raise ValueError(f"not a language code: {', '.join(unknown)}")
        async with self._units.begin() as unit:
            found = await unit.staff.update(
                staff_id, trained_on=trained_on, active=active, languages=languages
            )
            if active is False:
                await unit.desk.end_sessions_of(staff_id)  # signed out of the desk at once
            staff = await unit.staff.by_id(staff_id) if trained_on is not None else None
            chat = await unit.staff.telegram_id(staff_id) if staff is not None else None
            if staff is not None and chat is not None:
                # Told with the change; the running service's outbox worker sends it.
                to = staff_recipient(staff, chat)
                await queue(unit, to, [views.YOUR_TRAINING], self._clock.now())
        return found

    async def set_staff_phone(self, staff_id: int, number: str | None) -> bool:
        """Keep (None: forget) a staff member's own phone, which the service rings before it
        calls a seeker for them; False if there is no such person.

        ValueError for what is not a phone number.
        """
        phone = normalise_phone(number) if number is not None else None
        if number is not None and phone is None:
            raise ValueError("not a phone number (e.g. 070-123 45 67 or +46 70 123 45 67)")
        async with self._units.begin() as unit:
            if await unit.staff.by_id(staff_id) is None:
                return False
            await unit.staff.set_phone(staff_id, phone)
        log.info("operator.staff_phone staff=%s", staff_id)
        return True

    async def register_case(self, case: ReferredCase) -> str:
        """Store a case registered by hand; from then on it is followed up like any other.

        KeyError for an unknown organisation or district.
        """
        self._partnership.organisation(case.org_id)
        if case.district_id is not None:
            self._partnership.district(case.district_id)
        now = self._clock.now()
        told = Answers(
            age_group=case.age_group,
            district_id=case.district_id,
            crime=case.crime,
            needs=frozenset(case.needs),
            contact=case.contact,
            phone=case.phone,
            call_time=case.call_time,
            voicemail_ok=case.voicemail_ok,
            sms_ok=case.sms_ok,
            talk_language=case.locale,
        )
        new = NewCase(case.org_id, case.source, case.locale, now, told)
        async with self._units.begin() as unit:
            case_id, reference = await unit.cases.add(new, self._new_reference)
            await unit.cases.record_event(case_id, None, "registered", str(case.source), now)
            if self._listener is not None:
                await self._listener.case_created(unit, case_id, None, now)
        log.info("case.registered case=%s org=%s source=%s", reference, case.org_id, case.source)
        return reference

    async def case_history(self, reference: str) -> tuple[str, list[Line]] | None:
        """Return a case's reference and its whole history; None if there is no such case."""
        async with self._units.begin() as unit:
            case = await unit.cases.by_reference(reference.upper())
            if case is None:
                return None
            events = await unit.cases.events(case.id)
            names = await staff_names(unit, events)
        return case.reference, history_lines(case, events, names, self._partnership, shown=None)
