"""The board, a volunteer's cases, the case page and what staff do on it.

Every action calls the same StaffService method as the bot's command, and so the same
policy; the page shows what it answered. A refusal looks the same for a case that does not
exist and one that is not the reader's.
"""

from __future__ import annotations

from datetime import date, time

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.domain.availability import Unavailable
from bot.domain.board import Section
from bot.domain.call_views import safe_time_label
from bot.domain.calls import CORRECTIONS, safe_to_call
from bot.domain.care import CareContact, Support, SupportKind
from bot.domain.care_views import ACCOMPANIMENT, APPLICATION, SUPPORT_KIND
from bot.domain.case_history import VIA_DESK
from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CloseReason,
    StaffRole,
    TransferReason,
)
from bot.domain.dialogue import S_, Reply, Translatable
from bot.domain.followup import in_evening
from bot.domain.policy import Action
from bot.domain.safety_warnings import contact_warnings, relay_warnings
from bot.domain.staff_views import (
    ATTEMPT_CHANNEL,
    CLOSE_REASON,
    OUTCOME,
    STATUS,
    TRANSFER_REASON,
    answer_label,
    summary_params,
    yes_no,
)
from bot.services.desk_access import DeskUser
from bot.web.desk.context import DESK, DeskContext, signed_in

SECTION_TITLES = {
    Section.UNASSIGNED: S_("Unassigned"),
    Section.OVERDUE: S_("Overdue"),
    Section.OPEN: S_("Open"),
    Section.CLOSED: S_("Closed in the last two weeks"),
}
QUEUED = S_("Your message is on its way to the seeker.")
UNAVAILABLE = {
    Unavailable.AWAY: S_("{name}: away until {until}"),
    Unavailable.FULL: S_("{name}: has as many open cases as they can carry"),
}
MESSAGE_LIMIT = 4000  # characters of one message to a seeker (a Telegram message's size)


def _filters(request: Request) -> tuple[str | None, str | None, int | None]:
    """The board's filters as chosen in its form: district, language, volunteer."""
    volunteer = request.query_params.get("volunteer", "")
    return (
        request.query_params.get("district") or None,
        request.query_params.get("language") or None,
        int(volunteer) if volunteer.isdigit() and len(volunteer) < 12 else None,
    )


def _choice(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


CARE_FORM = S_("Give the date, how, the minutes and what support was given.")
_PLAIN_SUPPORT = (
    SupportKind.CONVERSATION,
    SupportKind.LEGAL_INFO,
    SupportKind.COUNSEL,
    SupportKind.AUTHORITIES,
)


def _care_contact(form: FormData) -> CareContact | None:
    """Read the support form; None for what no form of ours sends."""
    try:
        on = date.fromisoformat(_choice(form, "on"))
        how = AttemptChannel(_choice(form, "how"))
        minutes = _choice(form, "minutes")
        accompaniment, application = _choice(form, "accompaniment"), _choice(form, "application")
        referral = _choice(form, "referral")
        support = [Support(kind) for kind in _PLAIN_SUPPORT if form.get(kind) == "yes"]
        if accompaniment:
            given = date.fromisoformat(_choice(form, "accompaniment_on"))
            support.append(Support(SupportKind.ACCOMPANIMENT, accompaniment, given))
    except ValueError:
        return None
    if not minutes.isdigit() or len(minutes) > 4:
        return None
    if application:
        support.append(Support(SupportKind.APPLICATION, application))
    if referral:
        support.append(Support(SupportKind.REFERRAL, referral))
    return CareContact(on, how, int(minutes), tuple(support))


class CasePages:
    """The routes of the board and the case page."""

    def __init__(self, desk: DeskContext) -> None:
        self._desk = desk

    async def home(self, request: Request, user: DeskUser) -> Response:
        """A coordinator's board; a volunteer's own cases."""
        if user.staff.role is StaffRole.COORDINATOR:
            return await self._board(request, user, "desk/board.html")
        rows = await self._desk.staff.my_board(user.staff)
        return self._desk.page(
            request, user, "desk/mine.html", rows=rows or (), now=self._desk.clock.now(),
            status=STATUS,
        )  # fmt: skip

    async def board_part(self, request: Request, user: DeskUser) -> Response:
        """The board's sections alone, for the page to refresh itself."""
        return await self._board(request, user, "desk/board_sections.html", part=True)

    async def _board(
        self, request: Request, user: DeskUser, template: str, part: bool = False
    ) -> Response:
        district, language, volunteer = _filters(request)
        board = await self._desk.staff.board(
            user.staff, district=district, language=language, volunteer=volunteer
        )
        if board is None:
            return self._desk.refused(request, user)
        sections = [(SECTION_TITLES[section], rows) for section, rows in board.sections.items()]
        return self._desk.page(
            request, user, template, sections=sections, board=board,
            languages=self._desk.pages.seeker_languages, query=request.url.query,
            now=self._desk.clock.now(),
            chosen=dict(request.query_params),
            status=STATUS, partnership=self._desk.partnership, part=part,
        )  # fmt: skip

    async def case(self, request: Request, user: DeskUser) -> Response:
        """A case in full, recorded as opened; refused the same whether absent or not theirs."""
        return await self._case(request, user, "desk/case.html", VIA_DESK)

    async def case_live(self, request: Request, user: DeskUser) -> Response:
        """The conversation and attempts alone, for the page to refresh (not a new view)."""
        return await self._case(request, user, "desk/case_live.html", None, part=True)

    async def _case(
        self, request: Request, user: DeskUser, template: str, via: str | None, part: bool = False
    ) -> Response:
        desk = self._desk
        found = await desk.staff.case_file(user.staff, request.path_params["reference"], via)
        if found is None:
            return desk.refused(request, user)
        suggestions, left_out = None, None
        if Action.ASSIGN in found.may:
            suggested = await desk.staff.suggested(user.staff, found.case.reference)
            suggestions, left_out = suggested if suggested else (None, None)
        case, partnership, now = found.case, desk.partnership, desk.clock.now()
        others = [o for o in partnership.organisations if o.id != case.org_id]
        call_time = answer_label(str(case.call_time)) if case.call_time else None
        calling = found.callable and Action.CALL in found.may and not part
        own_phone = await desk.staff.own_phone(user.staff) if calling else None
        return desk.page(
            request, user, template, file=found, case=case, suggestions=suggestions,
            left_out=left_out or (), unavailable=UNAVAILABLE,
            organisations=others, partnership=partnership, Action=Action,
            facts=summary_params(case, partnership, found.due),
            call_time=Translatable((call_time,)) if call_time else None, yes_no=yes_no,
            in_evening=lambda at: in_evening(at, partnership),
            now_local=now.astimezone(desk.pages.timezone).strftime("%H:%M"),
            channels=ATTEMPT_CHANNEL, outcomes=OUTCOME, close_reasons=CLOSE_REASON,
            transfer_reasons=TRANSFER_REASON, status=STATUS, now=now, part=part,
            calling=calling, own_phone=own_phone, corrections=CORRECTIONS,
            contact_warnings=contact_warnings(case),
            today=now.astimezone(desk.pages.timezone).date(),
            support_kinds=SUPPORT_KIND, plain_support=_PLAIN_SUPPORT,
            accompaniments=ACCOMPANIMENT, applications=APPLICATION,
            referrals=partnership.referrals,
            relay_warnings=relay_warnings(case, case.channel),
            safe_now=safe_to_call(case.call_time, now, partnership),
            safe_time=Translatable((safe_time_label(case.call_time),)),
        )  # fmt: skip

    # -- actions -----------------------------------------------------------------------

    async def assign(self, request: Request, user: DeskUser) -> Response:
        """Give the case to the volunteer chosen."""
        form, reference = await self._desk.gate.form(request, user), self._reference(request)
        if form is None:
            return Response(status_code=403)
        volunteer = _choice(form, "volunteer")
        if not volunteer.isdigit():
            return self._back(user, reference)
        reply = await self._desk.staff.assign(user.staff, reference, int(volunteer))
        return self._desk.done(user, reply, self._case_url(reference))

    async def attempt(self, request: Request, user: DeskUser) -> Response:
        """Log an attempt made earlier today, at the time given."""
        form, reference = await self._desk.gate.form(request, user), self._reference(request)
        if form is None:
            return Response(status_code=403)
        try:
            channel = AttemptChannel(_choice(form, "channel"))
            outcome = AttemptOutcome(_choice(form, "outcome"))
            at = time.fromisoformat(_choice(form, "time"))
        except ValueError:
            return self._back(user, reference)
        staff = self._desk.staff
        reply = await staff.log_attempt_today(user.staff, reference, channel, outcome, at)
        return self._desk.done(user, reply, self._case_url(reference))

    async def call(self, request: Request, user: DeskUser) -> Response:
        """Have the service ring the volunteer's phone, then the seeker's."""
        form, reference = await self._desk.gate.form(request, user), self._reference(request)
        if form is None:
            return Response(status_code=403)
        confirmed = _choice(form, "confirmed") == "yes"
        reply = await self._desk.calls.request(user.staff, reference, confirmed=confirmed)
        return self._desk.done(user, reply, self._case_url(reference))

    async def correct_call(self, request: Request, user: DeskUser) -> Response:
        """Put right the outcome a call logged by itself."""
        form, reference = await self._desk.gate.form(request, user), self._reference(request)
        if form is None:
            return Response(status_code=403)
        call_id = str(request.path_params["call"])
        try:
            outcome = AttemptOutcome(_choice(form, "outcome"))
        except ValueError:
            return self._back(user, reference)
        if not call_id.isdigit() or len(call_id) > 12:
            return self._back(user, reference)
        reply = await self._desk.calls.correct(user.staff, reference, int(call_id), outcome)
        return self._desk.done(user, reply, self._case_url(reference))

    async def support(self, request: Request, user: DeskUser) -> Response:
        """Record a contact after the first one and the support given at it."""
        form, reference = await self._desk.gate.form(request, user), self._reference(request)
        if form is None:
            return Response(status_code=403)
        contact = _care_contact(form)
        if contact is None:
            return self._desk.done(user, Reply(CARE_FORM), self._case_url(reference))
        reply = await self._desk.staff.record_contact(user.staff, reference, contact)
        return self._desk.done(user, reply, self._case_url(reference))

    async def message(self, request: Request, user: DeskUser) -> Response:
        """Write to the seeker through the service, on their own channel."""
        form, reference = await self._desk.gate.form(request, user), self._reference(request)
        if form is None:
            return Response(status_code=403)
        text = _choice(form, "text").strip()[:MESSAGE_LIMIT]
        if not text:
            return self._back(user, reference)
        replies = await self._desk.staff.relay(user.staff, reference, text)
        # With a Telegram chat, "sent" follows there once the provider took it.
        answer = replies[0] if replies else Reply(QUEUED)
        return self._desk.done(user, answer, self._case_url(reference))

    async def close(self, request: Request, user: DeskUser) -> Response:
        """Close the case with the reason chosen."""
        form, reference = await self._desk.gate.form(request, user), self._reference(request)
        if form is None:
            return Response(status_code=403)
        try:
            reason = CloseReason(_choice(form, "reason"))
        except ValueError:
            return self._back(user, reference)
        reply = await self._desk.staff.close(user.staff, reference, reason)
        return self._desk.done(user, reply, self._case_url(reference))

    async def transfer(self, request: Request, user: DeskUser) -> Response:
        """Move the case to another organisation of the partnership, for the reason chosen."""
        form, reference = await self._desk.gate.form(request, user), self._reference(request)
        if form is None:
            return Response(status_code=403)
        try:
            reason = TransferReason(_choice(form, "reason"))
        except ValueError:
            return self._back(user, reference)
        org_id = _choice(form, "org")
        staff = self._desk.staff
        reply = await staff.transfer(user.staff, reference, org_id or "-", reason)
        return self._desk.done(user, reply, f"{DESK}/")

    @staticmethod
    def _reference(request: Request) -> str:
        return str(request.path_params["reference"]).upper()

    @staticmethod
    def _case_url(reference: str) -> str:
        return f"{DESK}/cases/{reference}"

    def _back(self, user: DeskUser, reference: str) -> RedirectResponse:
        return RedirectResponse(self._case_url(reference), status_code=303)

    def routes(self) -> list[Route]:
        """Return the board's and the case page's routes."""

        case = f"{DESK}/cases/{{reference:str}}"
        return [
            Route(f"{DESK}/", signed_in(self._desk, self.home), methods=["GET"]),
            Route(f"{DESK}/board", signed_in(self._desk, self.board_part), methods=["GET"]),
            Route(case, signed_in(self._desk, self.case), methods=["GET"]),
            Route(f"{case}/live", signed_in(self._desk, self.case_live), methods=["GET"]),
            Route(f"{case}/assign", signed_in(self._desk, self.assign), methods=["POST"]),
            Route(f"{case}/attempt", signed_in(self._desk, self.attempt), methods=["POST"]),
            Route(f"{case}/message", signed_in(self._desk, self.message), methods=["POST"]),
            Route(f"{case}/call", signed_in(self._desk, self.call), methods=["POST"]),
            Route(f"{case}/support", signed_in(self._desk, self.support), methods=["POST"]),
            Route(
                f"{case}/calls/{{call:str}}/outcome",
                signed_in(self._desk, self.correct_call),
                methods=["POST"],
            ),
            Route(f"{case}/close", signed_in(self._desk, self.close), methods=["POST"]),
            Route(f"{case}/transfer", signed_in(self._desk, self.transfer), methods=["POST"]),
        ]
