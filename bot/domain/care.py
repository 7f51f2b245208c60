"""The support given after first contact (issue 22), in the agreement's own kinds: support
conversations, information about the legal process, accompaniment (to a police report, an
interview, a trial or another appointment), help to ask for a counsel for the injured party,
help to apply for compensation or damages, help with contacts with authorities, and referral
to another organisation, always one from the configured directory, never a typed name.

A record says what kind of help was given, when and for how long; never what was said.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.cases import AttemptChannel

LONGEST_CONTACT_MINUTES = 12 * 60  # a longer one is a typing mistake (a whole day in court)


class SupportKind(StrEnum):
    CONVERSATION = "conversation"  # stödsamtal
    LEGAL_INFO = "legal_info"  # information om rättsprocessen
    ACCOMPANIMENT = "accompaniment"  # medföljning
    COUNSEL = "counsel"  # hjälp att begära målsägandebiträde
    APPLICATION = "application"  # hjälp att söka ekonomisk ersättning
    AUTHORITIES = "authorities"  # hjälp vid myndighetskontakter
    REFERRAL = "referral"  # hänvisning till andra aktörer


class Accompaniment(StrEnum):
    POLICE_REPORT = "police_report"
    INTERVIEW = "interview"
    TRIAL = "trial"
    OTHER = "other"


class Application(StrEnum):
    COMPENSATION = "compensation"  # brottsskadeersättning from the state
    DAMAGES = "damages"  # skadestånd from the offender


@dataclass(frozen=True, slots=True)
class Support:
    """One kind of help given at a contact; *detail* names the accompaniment, the application
    or the organisation referred to; *on* is an accompaniment's date."""

    kind: SupportKind
    detail: str = ""
    on: date | None = None


@dataclass(frozen=True, slots=True)
class CareContact:
    """A contact with the seeker after the first one: when, how, how long, and what help."""

    on: date
    how: AttemptChannel
    minutes: int
    support: tuple[Support, ...] = ()


class CareProblem(StrEnum):
    IN_THE_FUTURE = "in_the_future"
    BEFORE_THE_CASE = "before_the_case"
    MINUTES = "minutes"
    NOTHING_GIVEN = "nothing_given"
    DETAIL = "detail"  # an accompaniment, application or referral without its detail


def care_problem(
    contact: CareContact, today: date, received_on: date, referral_ids: Iterable[str]
) -> CareProblem | None:
    """Say what is wrong with a contact being recorded, or None."""
    if contact.on > today:
        return CareProblem.IN_THE_FUTURE
    if contact.on < received_on:
        return CareProblem.BEFORE_THE_CASE
    if not 0 < contact.minutes <= LONGEST_CONTACT_MINUTES:
        return CareProblem.MINUTES
    if not contact.support:
        return CareProblem.NOTHING_GIVEN
    known = set(referral_ids)
    for support in contact.support:
        if not _detail_fits(support, known):
            return CareProblem.DETAIL
    return None


def _detail_fits(support: Support, referral_ids: set[str]) -> bool:
    if support.kind is SupportKind.ACCOMPANIMENT:
        return support.detail in set(Accompaniment) and support.on is not None
    if support.kind is SupportKind.APPLICATION:
        return support.detail in set(Application)
    if support.kind is SupportKind.REFERRAL:
        return support.detail in referral_ids
    return support.detail == "" and support.on is None


@dataclass(frozen=True, slots=True)
class CareFigures:
    """What the report says of the support given in a period (counts before small-count rule)."""

    contacts: int
    cases_with_contacts: int
    minutes: int
    by_kind: dict[str, int]
    accompaniments: dict[str, int]
    applications: dict[str, int]
    referrals: dict[str, int]

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def contacts_per_case(self) -> float | None:
        """Contacts after the first, per case that had any."""
        return self.contacts / self.cases_with_contacts if self.cases_with_contacts else None


def care_figures(contacts: Sequence[tuple[int, CareContact]]) -> CareFigures:
    """Aggregate (case id, contact) pairs into the report's figures."""
    by_kind: Counter[str] = Counter()
    details: dict[SupportKind, Counter[str]] = {
        SupportKind.ACCOMPANIMENT: Counter(),
        SupportKind.APPLICATION: Counter(),
        SupportKind.REFERRAL: Counter(),
    }
    for _, contact in contacts:
        for support in contact.support:
            by_kind[support.kind] += 1
            if support.kind in details:
                details[support.kind][support.detail] += 1
    return CareFigures(
        contacts=len(contacts),
        cases_with_contacts=len({case_id for case_id, _ in contacts}),
        minutes=sum(c.minutes for _, c in contacts),
        by_kind=dict(sorted(by_kind.items())),
        accompaniments=dict(sorted(details[SupportKind.ACCOMPANIMENT].items())),
        applications=dict(sorted(details[SupportKind.APPLICATION].items())),
        referrals=dict(sorted(details[SupportKind.REFERRAL].items())),
    )
