"""The follow-up figures the city asks for, from case facts alone (rules 3, 4 and 10).

First contact means the seeker was reached: a reached (or declined) attempt, or the seeker
answering the support person in the chat. Small counts that could point to a person are
suppressed ("<5") in anything meant to leave the organisation.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.care import CareFigures, care_figures
from bot.domain.cases import Attempt, AttemptChannel, AttemptOutcome
from bot.domain.confirmation import first_contact_deadline
from bot.domain.followup import ATTEMPTS_BEFORE_NOT_REACHED, REACHING, spread
from bot.domain.model import IntakeOutcome, Partnership

SUPPRESS_BELOW = 5
NOT_GIVEN = "not_given"
TRANSFERRED = "transferred"  # the case event of a case moved to another organisation


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What statistics may know of a case: no names, numbers or text."""

    received_at: datetime
    source: str
    channel: str
    locale: str
    status: str
    gender: str | None = None
    age_group: str | None = None
    role: str | None = None
    district_id: str | None = None
    crime: str | None = None
    needs: frozenset[str] = frozenset()
    close_reason: str | None = None
    attempts: tuple[Attempt, ...] = ()
    answered_at: datetime | None = None  # the seeker answered in the chat
    evening_safe: bool = True  # False: the seeker said only the daytime is safe to call


@dataclass(frozen=True, slots=True)
class Figures:
    """Counts and shares for one organisation and period."""

    cases: int
    by: dict[str, dict[str, int]]
    first_contact_within_deadline: float | None  # share of cases; None without cases
    median_hours_to_first_contact: float | None
    not_reached: int
    # Of the not-reached cases whose seeker could be called in the evening: the agreement's
    # three attempts, one in the evening.
    not_reached_with_three_incl_evening: float | None
    attempts_per_case: float | None
    # Not-reached cases whose seeker said only the daytime is safe, on a line of their own so
    # the city's figure above stays honest; and the share with three attempts in the morning
    # and the afternoon both.
    not_reached_evening_not_safe: int = 0
    not_reached_evening_not_safe_spread: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)  # intakes without a case
    reminders: dict[str, int] = field(default_factory=dict)
    referrals: dict[str, int] = field(default_factory=dict)
    calls: CallFigures = field(default_factory=lambda: CallFigures(0, 0, 0.0))
    care: CareFigures = field(default_factory=lambda: care_figures(()))
    # Further trainings and supervisions the organisation's staff took part in, by kind.
    training: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallFigures:
    """Calls placed through the association's number: what they cost, never what was said."""

    placed: int
    reached: int  # a person answered (as logged, or as the volunteer put it right)
    minutes: float  # the seekers' legs, in all


def call_figures(calls: Iterable[tuple[AttemptOutcome | None, int | None]]) -> CallFigures:
    """Count the calls placed, those that reached a person, and their minutes."""
    placed = reached = seconds = 0
    for outcome, duration in calls:
        placed += 1
        reached += outcome in REACHING
        seconds += duration or 0
    return CallFigures(placed, reached, seconds / 60)


def first_contact(case: CaseFacts) -> datetime | None:
    """Return when the seeker was first reached, if they were."""
    times = [a.at for a in case.attempts if a.outcome in REACHING]
    if case.answered_at is not None:
        times.append(case.answered_at)
    return min(times, default=None)


def figures(
    cases: Sequence[CaseFacts],
    partnership: Partnership,
    outcomes: Iterable[str] = (),
    reminders: Iterable[str] = (),
    referrals: Iterable[str] = (),
    calls: Iterable[tuple[AttemptOutcome | None, int | None]] = (),
) -> Figures:
    """Aggregate the figures for a set of cases (already chosen by organisation and period)."""
    by: dict[str, Counter[str]] = {
        name: Counter()
        for name in (
            "gender", "age_group", "role", "district", "crime", "need", "language", "channel",
            "source", "closure",
        )
    }  # fmt: skip
    hours: list[float] = []
    in_time = 0
    not_reached = kept_rule_4 = attempts = daytime_only = kept_daytime = 0
    for case in cases:
        for name, value in (
            ("gender", case.gender), ("age_group", case.age_group), ("role", case.role),
            ("district", case.district_id), ("crime", case.crime), ("language", case.locale),
            ("channel", case.channel or NOT_GIVEN), ("source", case.source),
        ):  # fmt: skip
            by[name][value or NOT_GIVEN] += 1
        by["need"].update(case.needs)
        if case.status == "closed":
            by["closure"][case.close_reason or NOT_GIVEN] += 1
        attempts += len(case.attempts)
        reached = first_contact(case)
        if reached is not None:
            hours.append((reached - case.received_at) / timedelta(hours=1))
            if reached <= first_contact_deadline(partnership, case.received_at):
                in_time += 1
        elif case.close_reason == "not_reached":
            rung = [a.at for a in case.attempts if a.channel is AttemptChannel.PHONE]
            kept = len(rung) >= ATTEMPTS_BEFORE_NOT_REACHED and spread(
                rung, case.evening_safe, partnership
            )
            if case.evening_safe:
                not_reached += 1
                kept_rule_4 += kept
            else:
                daytime_only += 1
                kept_daytime += kept
    total = len(cases)
    return Figures(
        cases=total,
        by={name: dict(sorted(counter.items())) for name, counter in by.items()},
        first_contact_within_deadline=in_time / total if total else None,
        median_hours_to_first_contact=statistics.median(hours) if hours else None,
        not_reached=not_reached + daytime_only,
        not_reached_with_three_incl_evening=kept_rule_4 / not_reached if not_reached else None,
        not_reached_evening_not_safe=daytime_only,
        not_reached_evening_not_safe_spread=kept_daytime / daytime_only if daytime_only else None,
        attempts_per_case=attempts / total if total else None,
        outcomes=dict(sorted(Counter(outcomes).items())),
        reminders=dict(sorted(Counter(reminders).items())),
        referrals=dict(sorted(Counter(referrals).items())),
        calls=call_figures(calls),
    )


def transfer_detail(from_org: str, to_org: str, reason: str = "") -> str:
    """Write the organisations of a move (and why) for the case's event trail."""
    return f"{from_org}>{to_org}" + (f":{reason}" if reason else "")


def parse_transfer(detail: str) -> tuple[str, str]:
    """Read back (from, to) from a move's event detail."""
    from_org, _, rest = detail.partition(">")
    return from_org, rest.partition(":")[0]


def transfer_reason(detail: str) -> str:
    """Read back why a case moved ("" if the move was recorded without a reason)."""
    return detail.partition(">")[2].partition(":")[2]


def referrals(
    org_id: str,
    transfers: Iterable[tuple[str, str]],
    outcomes: Iterable[str],
    partnership: Partnership,
) -> list[str]:
    """Name each referral that concerns *org_id*: one entry per case referred or received.

    Cases moved out go to Stödcentrum (the young victims' partner) or to another
    association; cases moved in were received from another organisation. Intakes sent to
    the national line had no organisation yet, so every organisation's report counts them.
    """
    kinds = []
    for from_org, to_org in transfers:
        if from_org == org_id:
            young = to_org == partnership.young_org_id
            kinds.append("to_stodcentrum" if young else "to_association")
        elif to_org == org_id:
            kinds.append("received")
    kinds += ["national_line" for o in outcomes if o == IntakeOutcome.REFERRED_NATIONAL]
    return kinds


def shown(count: int, threshold: int = SUPPRESS_BELOW) -> str:
    """Write a count for outside eyes: below the threshold (but not 0) it is "<threshold"."""
    return f"<{threshold}" if 0 < count < threshold else str(count)


def share_shown(share: float | None, base: int, threshold: int = SUPPRESS_BELOW) -> float | None:
    """A share (or an average) of fewer than *threshold* cases is not shown: 25 % of "<5"
    would give away that there were four."""
    return None if share is None or base < threshold else share


def months(start: date, end: date) -> list[str]:
    """Name every calendar month from *start* to *end* inclusive, as "YYYY-MM"."""
    names = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        names.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return names


def by_month(
    cases: Sequence[CaseFacts], start: date, end: date, partnership: Partnership
) -> dict[str, Figures]:
    """Figures month by month, by the month a case was received in local (Stockholm) time.

    Every month of the period is present, so a month without cases shows as none rather
    than disappearing from a chart.
    """
    zone = ZoneInfo(partnership.timezone)
    grouped: dict[str, list[CaseFacts]] = {name: [] for name in months(start, end)}
    for case in cases:
        name = case.received_at.astimezone(zone).strftime("%Y-%m")
        if name in grouped:
            grouped[name].append(case)
    return {name: figures(month, partnership) for name, month in grouped.items()}
