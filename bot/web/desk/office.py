"""A coordinator's office: the volunteers (invite, training, deactivation) and the report."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.domain.cases import StaffRole
from bot.domain.policy import Action, allowed
from bot.domain.staff_views import ROLE
from bot.domain.stats import SUPPRESS_BELOW
from bot.domain.training import SESSION_KIND, SessionKind, supervision_overdue
from bot.services.desk_access import DeskUser
from bot.services.report_drawing import drawn
from bot.services.report_labels import Labels
from bot.services.reports import as_csv, as_markdown, rows
from bot.services.staff_stats import LAST_MONTH, THIS_MONTH, THIS_YEAR, periods
from bot.web.desk.context import DESK, DeskContext, signed_in

PERIOD_NAMES = {"this-month": THIS_MONTH, "last-month": LAST_MONTH, "year": THIS_YEAR}
PERIODS = tuple(PERIOD_NAMES)
DOWNLOADS = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


class Office:
    """The routes of the volunteers page and the report."""

    def __init__(self, desk: DeskContext) -> None:
        self._desk = desk

    async def team(self, request: Request, user: DeskUser) -> Response:
        """The organisation's staff, their training, languages and open cases."""
        members = await self._desk.staff.team(user.staff)
        if members is None:
            return self._desk.refused(request, user)
        sessions = await self._desk.staff.sessions_of_team(user.staff)
        today = self._desk.clock.now().astimezone(self._desk.pages.timezone).date()
        months = self._desk.supervision_months
        last = {
            s.staff_id: s.on for s in sessions if s.kind is SessionKind.SUPERVISION
        }  # the sessions come oldest first: the last one stays
        overdue = {
            m.staff.id for m in members if supervision_overdue(m.staff, sessions, today, months)
        }
        return self._desk.page(
            request, user, "desk/team.html", members=members, roles=ROLE, last_supervision=last,
            overdue=overdue, session_kinds=SESSION_KIND, today=today,
        )  # fmt: skip

    async def session(self, request: Request, user: DeskUser) -> Response:
        """Record a further training or a supervision a staff member took part in."""
        form = await self._desk.gate.form(request, user)
        if form is None:
            return Response(status_code=403)
        try:
            on = date.fromisoformat(str(form.get("on", "")))
            kind = SessionKind(str(form.get("kind", "")))
        except ValueError:
            return RedirectResponse(f"{DESK}/team", status_code=303)
        reply = await self._desk.staff.record_session(user.staff, self._member(request), on, kind)
        return self._desk.done(user, reply, f"{DESK}/team")

    async def invite(self, request: Request, user: DeskUser) -> Response:
        """Make an invite code for a volunteer or a coordinator."""
        form = await self._desk.gate.form(request, user)
        if form is None:
            return Response(status_code=403)
        role = StaffRole.COORDINATOR if form.get("role") == "coordinator" else StaffRole.VOLUNTEER
        reply = await self._desk.staff.invite(user.staff, role)
        return self._desk.done(user, reply, f"{DESK}/team")

    async def trained(self, request: Request, user: DeskUser) -> Response:
        """Record a volunteer's basic training as done today."""
        if await self._desk.gate.form(request, user) is None:
            return Response(status_code=403)
        reply = await self._desk.staff.record_training(user.staff, self._member(request))
        return self._desk.done(user, reply, f"{DESK}/team")

    async def deactivate(self, request: Request, user: DeskUser) -> Response:
        """Take someone off the service; their sessions end at once."""
        if await self._desk.gate.form(request, user) is None:
            return Response(status_code=403)
        reply = await self._desk.staff.deactivate(user.staff, self._member(request))
        return self._desk.done(user, reply, f"{DESK}/team")

    async def report(self, request: Request, user: DeskUser) -> Response:
        """The follow-up figures for this month, last month or this year, with the charts."""
        if not allowed(user.staff, Action.STATS):
            return self._desk.refused(request, user)
        period = self._period(request)
        start, end = self._dates(period)
        report = await self._desk.reports.report(user.staff.org_id, start, end)
        translator = self._desk.pages.translator(self._desk.locale(request, user))
        labels = Labels(translator, self._desk.partnership)
        table = [
            (labels.figure(figure), labels.group(figure, group), value)
            for figure, group, value in rows(report, SUPPRESS_BELOW)
        ]
        downloads = await self._desk.access.taken_out(user)
        return self._desk.page(
            request, user, "desk/report.html", table=table, period=period,
            periods=PERIOD_NAMES, start=start, end=end, downloads=downloads,
        )  # fmt: skip

    async def download(self, request: Request, user: DeskUser) -> Response:
        """The report as Markdown, CSV, a PDF or the charts' PNG; each download recorded."""
        kind = request.path_params["kind"]
        if not allowed(user.staff, Action.STATS) or kind not in (*DOWNLOADS, "png"):
            return self._desk.refused(request, user)
        period = self._period(request)
        start, end = self._dates(period)
        report = await self._desk.reports.report(user.staff.org_id, start, end)
        if kind in ("png", "pdf"):
            translator = self._desk.pages.translator(self._desk.locale(request, user))
            data = await drawn(report, translator, self._desk.partnership, kind)
        else:
            data = (as_markdown(report) if kind == "md" else as_csv(report)).encode()
        detail = f"{user.staff.org_id}:{start.isoformat()}:{end.isoformat()}:{kind}"
        if kind != "png":  # the page's own chart is not a download
            await self._desk.access.record(user, "report_download", detail)
        headers = {}
        if kind != "png":
            name = f"jourbot-{user.staff.org_id}-{start.isoformat()}-{end.isoformat()}.{kind}"
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        media = DOWNLOADS.get(kind, "image/png")
        return Response(data, media_type=media, headers=headers)

    def _period(self, request: Request) -> str:
        period = request.query_params.get("period", PERIODS[0])
        return period if period in PERIODS else PERIODS[0]

    def _dates(self, period: str) -> tuple[date, date]:
        today = self._desk.clock.now().astimezone(self._desk.pages.timezone).date()
        _, start, end = periods(today)[PERIODS.index(period)]
        return start, end

    @staticmethod
    def _member(request: Request) -> int:
        return int(request.path_params["staff_id"])

    def routes(self) -> list[Route]:
        """Return the office's routes."""
        desk = self._desk
        member = f"{DESK}/team/{{staff_id:int}}"
        return [
            Route(f"{DESK}/team", signed_in(desk, self.team), methods=["GET"]),
            Route(f"{DESK}/team/invite", signed_in(desk, self.invite), methods=["POST"]),
            Route(f"{member}/trained", signed_in(desk, self.trained), methods=["POST"]),
            Route(f"{member}/deactivate", signed_in(desk, self.deactivate), methods=["POST"]),
            Route(f"{member}/session", signed_in(desk, self.session), methods=["POST"]),
            Route(f"{DESK}/report", signed_in(desk, self.report), methods=["GET"]),
            Route(f"{DESK}/report.{{kind:str}}", signed_in(desk, self.download), methods=["GET"]),
        ]
