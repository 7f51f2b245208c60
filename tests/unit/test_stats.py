"""The follow-up figures over a hand-made set of cases, checked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.cases import Attempt, AttemptChannel, AttemptOutcome
from bot.domain.model import Partnership
from bot.domain.stats import (
    CaseFacts,
    by_month,
    figures,
    months,
    parse_transfer,
    referrals,
    shown,
    transfer_detail,
)
from bot.services.reports import Report, as_csv, as_dict, as_markdown

STOCKHOLM = ZoneInfo("Europe/Stockholm")
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=STOCKHOLM).astimezone(UTC)
NO, YES = AttemptOutcome.NO_ANSWER, AttemptOutcome.REACHED


def attempt(hours: float, outcome: AttemptOutcome, channel=AttemptChannel.PHONE) -> Attempt:  # type: ignore[no-untyped-def]
    return Attempt(T0 + timedelta(hours=hours), channel, outcome)


def case(**facts: object) -> CaseFacts:
    base: dict[str, object] = {
        "received_at": T0, "source": "bot", "channel": "telegram", "locale": "sv",
        "status": "assigned",
    }  # fmt: skip
    base.update(facts)
    return CaseFacts(**base)  # type: ignore[arg-type]


CASES = [
    # reached after 5 h: within three days
    case(gender="woman", age_group="21_plus", role="victim", district_id="jarva", crime="threat",
         needs=frozenset({"talk", "counsel"}), attempts=(attempt(5, YES),), status="in_contact"),
    # reached after 80 h: too late
    case(gender="woman", role="victim", district_id="bromma", locale="ar", channel="sms",
         needs=frozenset({"talk"}), attempts=(attempt(30, NO), attempt(80, YES)),
         status="closed", close_reason="supported"),
    # not reached: three calls, one at 18:30 local (8.5 h after 10:00) -> rule 4 kept
    case(gender="man", district_id="jarva", status="closed", close_reason="not_reached",
         attempts=(attempt(2, NO), attempt(8.5, NO), attempt(24, AttemptOutcome.VOICEMAIL))),
    # not reached: three daytime calls -> rule 4 not kept
    case(gender="man", source="police", channel="", status="closed", close_reason="not_reached",
         attempts=(attempt(2, NO), attempt(4, NO), attempt(26, NO))),
    # reached by the seeker answering in the chat after 10 h
    case(locale="en", answered_at=T0 + timedelta(hours=10)),
]  # fmt: skip


def test_figures_by_hand(partnership: Partnership) -> None:
    """Every figure matches what a person counting on paper gets."""
    f = figures(CASES, partnership, ["consent_refused", "referred_national", "consent_refused"],
                ["deadline_near", "deadline_passed", "deadline_near"])  # fmt: skip
    assert f.cases == 5
    assert f.by["gender"] == {"man": 2, "not_given": 1, "woman": 2}
    assert f.by["district"] == {"bromma": 1, "jarva": 2, "not_given": 2}
    assert f.by["need"] == {"counsel": 1, "talk": 2}
    assert f.by["language"] == {"ar": 1, "en": 1, "sv": 3}
    assert f.by["channel"] == {"not_given": 1, "sms": 1, "telegram": 3}
    assert f.by["source"] == {"bot": 4, "police": 1}
    assert f.by["closure"] == {"not_reached": 2, "supported": 1}
    assert f.first_contact_within_deadline == 2 / 5  # 5 h and 10 h; 80 h is late
    assert f.median_hours_to_first_contact == 10.0  # of 5, 10, 80
    assert (f.not_reached, f.not_reached_with_three_incl_evening) == (2, 0.5)
    assert f.attempts_per_case == (1 + 2 + 3 + 3 + 0) / 5
    assert f.outcomes == {"consent_refused": 2, "referred_national": 1}
    assert f.reminders == {"deadline_near": 2, "deadline_passed": 1}


def test_referrals_from_one_organisations_side(partnership: Partnership) -> None:
    """Moves out split by destination, moves in counted once, other pairs ignored."""
    moves = [
        ("vasterort", "stodcentrum"),
        ("vasterort", "soderort"),
        ("vasterort", "stodcentrum"),
        ("stodcentrum", "vasterort"),
        ("soderort", "innerstaden"),  # neither side is Västerort
    ]
    outcomes = ["referred_national", "consent_refused", "referred_national"]
    kinds = referrals("vasterort", moves, outcomes, partnership)
    f = figures([], partnership, referrals=kinds)
    assert f.referrals == {
        "national_line": 2, "received": 1, "to_association": 1, "to_stodcentrum": 2,
    }  # fmt: skip
    young = referrals("stodcentrum", moves, [], partnership)
    assert sorted(young) == ["received", "received", "to_association"]
    assert parse_transfer(transfer_detail("a", "b")) == ("a", "b")


def test_no_cases(partnership: Partnership) -> None:
    """An empty period has no shares rather than a division by zero."""
    f = figures([], partnership)
    assert (f.cases, f.first_contact_within_deadline, f.median_hours_to_first_contact) == (
        0,
        None,
        None,
    )


def test_small_counts_are_suppressed(partnership: Partnership) -> None:
    """Counts from 1 to 4 leave the organisation as "<5"; 0 and 5 and more as they are."""
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    report = Report("vasterort", date(2026, 11, 1), date(2026, 11, 30), figures(CASES, partnership))
    data = as_dict(report)
    assert data["cases"] == 5
    assert data["by"]["gender"] == {"man": "<5", "not_given": "<5", "woman": "<5"}  # type: ignore[index]
    assert "| gender | woman | <5 |" in as_markdown(report)
    assert "first_contact_within_deadline,,40 %" in as_csv(report)
    assert as_dict(report, threshold=1)["by"]["gender"]["woman"] == 2  # type: ignore[index]


def test_months_cross_a_year() -> None:
    assert months(date(2026, 11, 15), date(2027, 2, 1)) == ["2026-11", "2026-12", "2027-01",
                                                            "2027-02"]  # fmt: skip
    assert months(date(2026, 3, 1), date(2026, 3, 31)) == ["2026-03"]


def test_by_month_uses_the_stockholm_month(partnership: Partnership) -> None:
    """A case at 23:30 UTC on 31 October is a November case in Stockholm (00:30 CET)."""
    late_october_utc = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    last_october = datetime(2026, 10, 31, 22, 59, tzinfo=UTC)  # 23:59 CET
    december = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    cases = [case(received_at=late_october_utc), case(received_at=last_october),
             case(received_at=december), *CASES]  # fmt: skip
    monthly = by_month(cases, date(2026, 10, 1), date(2026, 12, 31), partnership)
    assert list(monthly) == ["2026-10", "2026-11", "2026-12"]
    assert [f.cases for f in monthly.values()] == [1, 1 + len(CASES), 1]
    assert monthly["2026-11"].first_contact_within_deadline == 2 / 6


def test_by_month_keeps_empty_months(partnership: Partnership) -> None:
    monthly = by_month(CASES, date(2026, 9, 1), date(2026, 11, 30), partnership)
    assert [f.cases for f in monthly.values()] == [0, 0, len(CASES)]
    assert monthly["2026-09"].first_contact_within_deadline is None


def test_a_zero_is_a_figure_not_a_gap(partnership: Partnership) -> None:
    """Cases without a single attempt: 0.0 attempts per case, written as 0.0, not "-"."""
    untried = [case() for _ in range(5)]
    report = Report(
        "vasterort", date(2026, 11, 1), date(2026, 11, 30), figures(untried, partnership)
    )
    assert as_dict(report)["attempts_per_case"] == 0.0
    assert "attempts_per_case,,0.0" in as_csv(report).replace("\r", "")
    assert "| attempts_per_case |  | 0.0 |" in as_markdown(report)


def test_not_reached_where_the_evening_was_not_safe_has_its_own_line(
    partnership: Partnership,
) -> None:
    """A daytime-only seeker's not-reached case leaves the city's evening figure alone: it is
    counted on its own line, kept when three calls covered the morning and the afternoon."""
    daytime = [
        # 10:00 and 12:00 (T0 + 2 h) and the next day 10:30: morning and afternoon both
        case(status="closed", close_reason="not_reached", evening_safe=False,
             attempts=(attempt(0, NO), attempt(2, NO), attempt(24.5, NO))),
        # three mornings: not spread over the day
        case(status="closed", close_reason="not_reached", evening_safe=False,
             attempts=(attempt(0, NO), attempt(1, NO), attempt(24, NO))),
    ]  # fmt: skip
    evening_case = CASES[2]  # three calls, one in the evening: kept
    result = figures([*daytime, evening_case], partnership)
    assert result.not_reached == 3
    assert result.not_reached_with_three_incl_evening == 1.0  # the evening-safe one alone
    assert result.not_reached_evening_not_safe == 2
    assert result.not_reached_evening_not_safe_spread == 0.5
    # The same calls for a seeker for whom the evening was safe break the agreement's rule.
    as_if_evening_safe = [replace(c, evening_safe=True) for c in daytime]
    other = figures(as_if_evening_safe, partnership)
    assert (other.not_reached_with_three_incl_evening, other.not_reached_evening_not_safe) == (
        0.0, 0,
    )  # fmt: skip
