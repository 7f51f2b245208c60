"""What staff chats on Telegram carry: by default a reference, a deadline and a link to the desk.

A message in a staff member's chat outlives the case: `/delete` and the retention erase the
database, not the copies in Telegram, and a bot can take back its messages for 48 hours
only. So unless the association accepts it (`[staff] telegram_details = true`), a notice
or a case opened in the chat says which case and by when, and the desk shows the rest.
Every choice between the two is made here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.domain import staff_views as views
from bot.domain import transfer_views
from bot.domain.calls import may_be_called
from bot.domain.cases import CaseMessage, CaseRecord, CaseStatus, CloseReason, TransferReason
from bot.domain.dialogue import S_, Choice, Line, Param, Reply, Translatable
from bot.domain.followup import Due, FollowUp
from bot.domain.model import Partnership


@dataclass(frozen=True, slots=True)
class StaffSettings:
    """How much Telegram carries to staff, and where the desk is."""

    telegram_details: bool  # today's detailed notices and case views, seeker data included
    desk_url: str  # the desk's root, without a trailing slash
    # Organisations whose volunteers can have the service call a seeker (issue 21).
    calling_orgs: frozenset[str] = frozenset()
    # How long a volunteer may go without supervision before coordinators are reminded.
    supervision_months: int = 3

    def calls(self, case: CaseRecord) -> bool:
        """Tell whether the service can call this case's seeker for its volunteer."""
        return case.org_id in self.calling_orgs and may_be_called(case)

    def case_link(self, reference: str) -> str:
        """Return the desk's page for a case."""
        return f"{self.desk_url}/cases/{reference}"


# The first line of a plain "the seeker wrote" notice; Telegram's own Reply on it answers
# the seeker, as on the detailed one (bot/channels/telegram_staff.py reads it back).
SEEKER_WROTE = S_("The seeker in {reference} sent a message.")
_DEADLINE = S_("First contact by: {deadline}")
_ON_THE_DESK = S_("On the desk: {link}")


def _link(settings: StaffSettings, reference: str) -> Line:
    return Line(_ON_THE_DESK, {"link": settings.case_link(reference)})


def _deadline(due: FollowUp) -> Line:
    return Line(_DEADLINE, {"deadline": due.deadline})


def new_case(
    settings: StaffSettings,
    case: CaseRecord,
    due: FollowUp,
    partnership: Partnership,
    earlier: views.Earlier | None = None,
) -> Reply:
    """Tell coordinators a case has come in, with buttons to open and assign it."""
    if settings.telegram_details:
        return views.new_case_notice(views.summary_params(case, partnership, due), earlier)
    lines = [_deadline(due)]
    if earlier is not None:
        # It names cases and a volunteer, nothing of the seeker.
        lines.append(views.earlier_line(earlier))
    lines.append(_link(settings, case.reference))
    return views.new_case_reply({"reference": case.reference}, lines)


def received(
    settings: StaffSettings,
    case: CaseRecord,
    due: FollowUp,
    partnership: Partnership,
    from_organisation: str,
    reason: TransferReason,
) -> Reply:
    """Tell the coordinators of the organisation a case moved to; plain, it leaves out why
    (the reason names the seeker's age group or where they live)."""
    if settings.telegram_details:
        params = views.summary_params(case, partnership, due)
        return transfer_views.received_notice(params, from_organisation, reason)
    notice = new_case(settings, case, due, partnership)
    line = Line(S_("Moved here by {organisation}."), {"organisation": from_organisation})
    return replace(notice, lines=(line, *notice.lines))


def assigned(
    settings: StaffSettings, case: CaseRecord, due: FollowUp, partnership: Partnership
) -> Reply:
    """Tell a volunteer a case is theirs now."""
    if settings.telegram_details:
        return views.assigned_notice(views.summary_params(case, partnership, due))
    return Reply(
        S_("You have a new case: {reference}"),
        params={"reference": case.reference},
        lines=(_deadline(due), _link(settings, case.reference)),
        choices=(views.button(S_("Open"), "open", case.reference),),
        step=views.STAFF_STEP,
    )


def taken_from(reference: str) -> Reply:
    """Tell a volunteer a case was given to someone else: its reference, nothing more."""
    return Reply(
        S_("{reference} is no longer yours: a coordinator gave it to another volunteer."),
        params={"reference": reference},
    )


def seeker_wrote(settings: StaffSettings, reference: str, text: str) -> Reply:
    """Pass on a seeker's message, or say that one came and where to read it."""
    answer = Choice(f"reply:{reference}", S_("Answer"))
    if settings.telegram_details:
        return Reply(
            views.SEEKER_MESSAGE,
            params={"reference": reference},
            lines=(Line("{body}", {"body": text}),),
            choices=(answer,),
            step=views.STAFF_STEP,
        )
    return Reply(
        SEEKER_WROTE,
        params={"reference": reference},
        lines=(_link(settings, reference),),
        choices=(answer,),
        step=views.STAFF_STEP,
    )


def more_from_seeker(settings: StaffSettings, reference: str) -> Reply:
    """Say that the seeker wrote more than is sent on one by one, and where to read it."""
    notice = views.more_from_seeker(reference)
    if settings.telegram_details:
        return notice
    return replace(
        notice,
        text=S_("The seeker in {reference} has written more messages."),
        lines=(_link(settings, reference),),
    )


def reminder(settings: StaffSettings, due: Due, partnership: Partnership) -> Reply:
    """Say what is due for a case and by when (a reminder names nothing of the seeker)."""
    notice = views.reminder(due, partnership)
    if settings.telegram_details:
        return notice
    return replace(notice, lines=(_link(settings, due.reference),))


def closed(settings: StaffSettings, reference: str, who: str, reason: CloseReason) -> Reply:
    """Tell the coordinators a case was closed, by whom and why."""
    notice = views.closed_notice(reference, who, reason)
    if settings.telegram_details:
        return notice
    return replace(notice, lines=(_link(settings, reference),))


def case_view(
    settings: StaffSettings,
    case: CaseRecord,
    due: FollowUp,
    partnership: Partnership,
    *,
    show_phone: bool,
    volunteer: str | None,
    conversation: Sequence[CaseMessage],
    opted_out: bool = False,
    history: Sequence[Line] = (),
    closed_by: str | None = None,
) -> Reply:
    """Show a case: in full, or plain with what a quick action needs and a link to the rest.

    Plain, it shows the reference, status, deadline, volunteer, where the case came from,
    the attempts and the closure, never contact details, the seeker's answers, their note
    or the conversation.
    """
    if settings.telegram_details:
        return views.case_view(
            case,
            views.summary_params(case, partnership, due),
            due,
            show_phone=show_phone,
            volunteer=volunteer,
            conversation=conversation,
            opted_out=opted_out,
            history=history,
            closed_by=closed_by,
            calls=settings.calls(case),
        )
    nobody = Translatable((S_("nobody yet"),))
    lines = [
        _deadline(due),
        Line(S_("Volunteer: {volunteer}"), {"volunteer": volunteer or nobody}),
        Line(S_("Came through: {source}"), {"source": Translatable((views.SOURCE[case.source],))}),
        Line(
            S_("Attempts: {attempts}; in the evening: {evening}"),
            {"attempts": due.attempts, "evening": views.yes_no(due.evening_attempt)},
        ),
    ]
    if case.status is CaseStatus.CLOSED and case.closed_at is not None:
        lines.append(views.closed_line(case, closed_by))
    lines.append(_link(settings, case.reference))
    params: dict[str, Param] = {
        "reference": case.reference,
        "status": Translatable((views.STATUS[case.status],)),
    }
    return Reply(
        S_("Case {reference} · {status}"),
        params=params,
        lines=tuple(lines),
        choices=views.case_actions(case, calls=settings.calls(case)),
        step=views.STAFF_STEP,
    )
