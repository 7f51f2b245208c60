"""Who may see and do what: the one place the staff side's access rules live.

A volunteer sees only their own cases, a coordinator only their organisation's, anyone
else nothing. Every command and button asks here, with the case as stored, so forged
callback data cannot reach another case.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.cases import CaseRecord, CaseStatus, Staff, StaffRole


class Action(StrEnum):
    VIEW = "view"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    LOG_ATTEMPT = "attempt"
    CALL = "call"  # have the service call the seeker through the association's number
    RECORD_SUPPORT = "support"  # record a contact after the first and the help given (issue 22)
    RELAY = "relay"
    CLOSE = "close"
    MY_CASES = "mine"
    ORG_CASES = "cases"
    INVITE = "invite"
    STATS = "stats"
    TRAIN = "train"  # record a volunteer's basic training and languages
    ACCOUNT = "account"  # one's own account: the phone the service rings for calls
    AVAILABILITY = "availability"  # absences and the open cases one can carry (issue 22)


_ORGANISATION_WIDE = frozenset({Action.ORG_CASES, Action.INVITE, Action.STATS, Action.TRAIN})
_COORDINATOR_ONLY = frozenset({Action.ASSIGN, Action.TRANSFER, *_ORGANISATION_WIDE})


def needs_coordinator(action: Action) -> bool:
    """Tell whether only coordinators may do *action*."""
    return action in _COORDINATOR_ONLY


def allowed(actor: Staff | None, action: Action, case: CaseRecord | None = None) -> bool:
    """Tell whether *actor* may do *action* (on *case*, for actions on a case)."""
    if actor is None or not actor.active:
        return False
    if action in _COORDINATOR_ONLY and actor.role is not StaffRole.COORDINATOR:
        return False
    if action in _ORGANISATION_WIDE or action in (
        Action.MY_CASES,
        Action.ACCOUNT,
        Action.AVAILABILITY,
    ):
        return True
    if case is None or case.org_id != actor.org_id or case.status is CaseStatus.ERASED:
        return False
    if action is not Action.VIEW and case.status is CaseStatus.CLOSED:
        return False
    return actor.role is StaffRole.COORDINATOR or case.volunteer_id == actor.id


def may_train(actor: Staff | None, volunteer: Staff) -> bool:
    """Tell whether *actor* may record *volunteer*'s training: their own organisation's."""
    return allowed(actor, Action.TRAIN) and actor is not None and actor.org_id == volunteer.org_id


def may_plan(actor: Staff | None, volunteer: Staff) -> bool:
    """Tell whether *actor* may record *volunteer*'s absences and ceiling on open cases: their
    own, or, for a coordinator, those of their organisation's staff."""
    if not allowed(actor, Action.AVAILABILITY) or actor is None:
        return False
    if actor.id == volunteer.id:
        return True
    return actor.role is StaffRole.COORDINATOR and actor.org_id == volunteer.org_id


def may_see_phone(actor: Staff | None, case: CaseRecord) -> bool:
    """Show the number only to those who may see the case, and only if given to be called."""
    return allowed(actor, Action.VIEW, case) and case.wants_a_call


def may_receive(volunteer: Staff, case: CaseRecord) -> bool:
    """Tell whether the case may be assigned to *volunteer* (trained, active, same org)."""
    return volunteer.assignable and volunteer.org_id == case.org_id and case.status.open
