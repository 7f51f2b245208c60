"""The follow-up report: figures for an organisation and period, as Markdown, CSV or JSON.

Charts and the PDF are drawn in report_charts.py (report_drawing.py runs that off the loop).

Everything written here may leave the organisation, so small counts are suppressed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.care import CareContact, CareFigures, care_figures
from bot.domain.cases import AttemptOutcome
from bot.domain.model import Partnership
from bot.domain.stats import (
    SUPPRESS_BELOW,
    CaseFacts,
    Figures,
    by_month,
    figures,
    referrals,
    share_shown,
    shown,
)
from bot.domain.training import Session
from bot.ports import Unit, UnitsOfWork


@dataclass(frozen=True, slots=True)
class Report:
    organisation: str
    start: date
    end: date  # inclusive
    figures: Figures
    monthly: dict[str, Figures] = field(default_factory=dict)  # "YYYY-MM" -> figures


@dataclass(frozen=True, slots=True)
class _Facts:
    """What a report is worked out from, read in one snapshot."""

    cases: list[CaseFacts]
    outcomes: list[str]
    reminders: list[str]
    transfers: list[tuple[str, str]]
    calls: list[tuple[AttemptOutcome | None, int | None]]
    care: list[tuple[int, CareContact]]
    training: list[Session]


class ReportService:
    def __init__(self, units: UnitsOfWork, partnership: Partnership) -> None:
        self._units = units
        self._partnership = partnership

    async def report(self, org_id: str, start: date, end: date) -> Report:
        """Work out the figures for cases received from *start* to *end* (Stockholm dates)."""
        self._partnership.organisation(org_id)  # KeyError for an unknown organisation
        zone = ZoneInfo(self._partnership.timezone)
        begin = datetime.combine(start, time(0), zone).astimezone(UTC)
        until = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)

        async def gather(unit: Unit) -> _Facts:
            return _Facts(
                await unit.stats.cases(org_id, begin, until),
                await unit.stats.outcomes(begin, until),
                await unit.stats.reminders(org_id, begin, until),
                await unit.stats.transfers(begin, until),
                await unit.stats.calls(org_id, begin, until),
                await unit.care.in_period(org_id, start, end),
                await unit.training.in_period(org_id, start, end),
            )

        # Read in a snapshot beside the writer, and worked out off the event loop: a year of
        # history takes no time from a seeker's turn.
        facts = await self._units.read_whole(gather)
        return await asyncio.to_thread(self._worked_out, org_id, start, end, facts)

    def _worked_out(self, org_id: str, start: date, end: date, facts: _Facts) -> Report:
        p = self._partnership
        referred = referrals(org_id, facts.transfers, facts.outcomes, p)
        return Report(
            org_id,
            start,
            end,
            replace(
                figures(facts.cases, p, facts.outcomes, facts.reminders, referred, facts.calls),
                care=care_figures(facts.care),
                training=dict(sorted(Counter(str(s.kind) for s in facts.training).items())),
            ),
            by_month(facts.cases, start, end, p),
        )


def _or_dash(value: object) -> str:
    """Write a figure, or "-" where there is none (0 is a figure: 0.0 attempts per case)."""
    return "-" if value is None else str(value)


def _count(value: int, threshold: int) -> int | str:
    text = shown(value, threshold)
    return value if text == str(value) else text


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def as_dict(report: Report, threshold: int = SUPPRESS_BELOW) -> dict[str, object]:
    """The report with stable keys, small counts suppressed."""
    f = report.figures
    return {
        "organisation": report.organisation,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "cases": _count(f.cases, threshold),
        "first_contact_within_deadline": _share(
            share_shown(f.first_contact_within_deadline, f.cases, threshold)
        ),
        "median_hours_to_first_contact": _share(
            share_shown(f.median_hours_to_first_contact, f.cases, threshold)
        ),
        "not_reached": _count(f.not_reached, threshold),
        "not_reached_with_three_incl_evening": _share(
            share_shown(f.not_reached_with_three_incl_evening, f.not_reached, threshold)
        ),
        "not_reached_evening_not_safe": _count(f.not_reached_evening_not_safe, threshold),
        "not_reached_evening_not_safe_spread": _share(
            share_shown(
                f.not_reached_evening_not_safe_spread, f.not_reached_evening_not_safe, threshold
            )
        ),
        "attempts_per_case": _share(share_shown(f.attempts_per_case, f.cases, threshold)),
        "by": {
            name: {key: _count(n, threshold) for key, n in counts.items()}
            for name, counts in f.by.items()
        },
        "intakes_without_case": {k: _count(n, threshold) for k, n in f.outcomes.items()},
        "reminders_sent": {k: _count(n, threshold) for k, n in f.reminders.items()},
        "referrals": {k: _count(n, threshold) for k, n in f.referrals.items()},
        "support": _support(f.care, threshold),
        "training_sessions": {k: _count(n, threshold) for k, n in f.training.items()},
        "calls": {
            "placed": _count(f.calls.placed, threshold),
            "reached": _count(f.calls.reached, threshold),
            # Minutes of a handful of calls say how long one person talked: shown from the
            # same count as every other figure.
            "minutes": round(f.calls.minutes) if f.calls.placed >= threshold else None,
        },
    }


def _support(care: CareFigures, threshold: int) -> dict[str, object]:
    """The support given after first contact, small counts suppressed; shares and hours only
    from as many cases as any other share."""
    enough = care.cases_with_contacts >= threshold
    return {
        "contacts": _count(care.contacts, threshold),
        "contacts_per_case": _share(care.contacts_per_case) if enough else None,
        "hours": round(care.hours, 1) if enough else None,
        "by_kind": {k: _count(n, threshold) for k, n in care.by_kind.items()},
        "accompaniments": {k: _count(n, threshold) for k, n in care.accompaniments.items()},
        "applications": {k: _count(n, threshold) for k, n in care.applications.items()},
        "referrals_made": {k: _count(n, threshold) for k, n in care.referrals.items()},
    }


def as_json(report: Report, threshold: int = SUPPRESS_BELOW) -> str:
    """The report as JSON."""
    return json.dumps(as_dict(report, threshold), indent=2, ensure_ascii=False) + "\n"


def rows(report: Report, threshold: int) -> list[tuple[str, str, str]]:
    """The report as (figure, group, value) rows, headline figures first."""
    data = as_dict(report, threshold)
    table = [
        ("cases", "", str(data["cases"])),
        ("first_contact_within_deadline", "", _percent(data["first_contact_within_deadline"])),
        ("median_hours_to_first_contact", "", _or_dash(data["median_hours_to_first_contact"])),
        ("not_reached", "", str(data["not_reached"])),
        (
            "not_reached_with_three_incl_evening",
            "",
            _percent(data["not_reached_with_three_incl_evening"]),
        ),
        ("not_reached_evening_not_safe", "", str(data["not_reached_evening_not_safe"])),
        (
            "not_reached_evening_not_safe_spread",
            "",
            _percent(data["not_reached_evening_not_safe_spread"]),
        ),
        ("attempts_per_case", "", _or_dash(data["attempts_per_case"])),
    ]
    calls, support = data["calls"], data["support"]
    assert isinstance(calls, dict) and isinstance(support, dict)  # noqa: S101, PT018 - built above
    table += [("calls", key, _or_dash(value)) for key, value in calls.items()]
    for key in ("contacts", "contacts_per_case", "hours"):
        table.append((f"support_{key}", "", _or_dash(support[key])))
    for key in ("by_kind", "accompaniments", "applications", "referrals_made"):
        table += [(f"support_{key}", str(k), str(v)) for k, v in support[key].items()]
    training = data["training_sessions"]
    assert isinstance(training, dict)  # noqa: S101 - built above
    table += [("training_sessions", str(k), str(v)) for k, v in training.items()]
    for section in ("by", "intakes_without_case", "reminders_sent", "referrals"):
        groups = data[section]
        assert isinstance(groups, dict)  # noqa: S101 - built just above
        nested = groups if section == "by" else {section: groups}
        for name, counts in nested.items():
            table += [(name, str(key), str(value)) for key, value in counts.items()]
    return table


def _percent(value: object) -> str:
    return f"{value * 100:.0f} %" if isinstance(value, float) else "-"


def as_csv(report: Report, threshold: int = SUPPRESS_BELOW) -> str:
    """The report as CSV: figure, group, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "group", "value"])
    writer.writerows(rows(report, threshold))
    return out.getvalue()


def as_markdown(report: Report, threshold: int = SUPPRESS_BELOW) -> str:
    """The report as a Markdown table with the headline figures first."""
    lines = [
        f"# Follow-up report: {report.organisation}, {report.start} to {report.end}",
        "",
        f"Counts below {threshold} are shown as <{threshold}.",
        "",
        "| figure | group | value |",
        "|---|---|---|",
    ]
    lines += [
        f"| {figure} | {group} | {value} |" for figure, group, value in rows(report, threshold)
    ]
    return "\n".join(lines) + "\n"
