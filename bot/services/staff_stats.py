"""A coordinator's /stats: this month, last month and this year, with the year's charts.

The figures are the follow-up report's, with small counts suppressed as there, since a
picture in a chat is easily forwarded.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.domain.cases import Staff
from bot.domain.dialogue import S_, Line, Reply, Translatable
from bot.domain.model import Partnership
from bot.domain.policy import Action, allowed
from bot.domain.staff_views import refused
from bot.domain.stats import Figures, share_shown, shown
from bot.i18n import Catalogs
from bot.ports import Clock
from bot.services.report_drawing import drawn
from bot.services.reports import ReportService

THIS_MONTH, LAST_MONTH, THIS_YEAR = S_("This month"), S_("Last month"), S_("This year")
PERIOD_LINE = S_(
    "{period}: {cases} cases, {reached} reached within three days, "
    "median {hours} h to first contact"
)


def periods(today: date) -> list[tuple[str, date, date]]:
    """This month and this year up to *today*, and the whole of last month."""
    month_start = today.replace(day=1)
    last_end = month_start - timedelta(days=1)
    return [
        (THIS_MONTH, month_start, today),
        (LAST_MONTH, last_end.replace(day=1), last_end),
        (THIS_YEAR, today.replace(month=1, day=1), today),
    ]


def _line(period: str, figures: Figures) -> Line:
    reached = share_shown(figures.first_contact_within_deadline, figures.cases)
    hours = share_shown(figures.median_hours_to_first_contact, figures.cases)
    return Line(
        PERIOD_LINE,
        {
            "period": Translatable((period,)),
            "cases": shown(figures.cases),
            "reached": "-" if reached is None else f"{reached * 100:.0f} %",
            "hours": "-" if hours is None else f"{hours:.0f}",
        },
    )


class StaffStats:
    def __init__(
        self,
        reports: ReportService,
        catalogs: Catalogs,
        partnership: Partnership,
        clock: Clock,
    ) -> None:
        self._reports = reports
        self._catalogs = catalogs
        self._partnership = partnership
        self._clock = clock

    async def stats(self, actor: Staff | None) -> Reply:
        """Answer a coordinator with the key figures and this year's charts as one picture."""
        if not allowed(actor, Action.STATS):
            return refused(actor, Action.STATS)
        assert actor is not None  # noqa: S101 - allowed() refuses None
        today = self._clock.now().astimezone(ZoneInfo(self._partnership.timezone)).date()
        reports = [
            (period, await self._reports.report(actor.org_id, start, end))
            for period, start, end in periods(today)
        ]
        this_year = reports[-1][1]
        translator = self._catalogs.translator(actor.locale)
        image = await drawn(this_year, translator, self._partnership)
        return Reply(
            S_("Figures for {organisation}:"),
            {"organisation": self._partnership.organisation(actor.org_id).name},
            lines=tuple(_line(period, report.figures) for period, report in reports),
            image=image,
        )
