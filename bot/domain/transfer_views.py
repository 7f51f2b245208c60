"""What staff see when a case moves to another organisation of the partnership."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.domain.cases import TransferReason
from bot.domain.dialogue import N_, S_, Line, Param, Reply, Translatable
from bot.domain.model import Organisation
from bot.domain.staff_views import STAFF_STEP, TRANSFER_REASON, button, new_case_notice


def destinations(reference: str, organisations: Sequence[Organisation]) -> Reply:
    """Ask which organisation should take the case."""
    choices = tuple(
        button(org.name, "move", reference, org.id, literal=True) for org in organisations
    )
    return Reply(
        S_("Move {reference} to which organisation? Its coordinators will assign it; "
           "the deadline for first contact stays the same."),
        params={"reference": reference},
        choices=choices,
        step=STAFF_STEP,
    )  # fmt: skip


def reasons(reference: str, organisation: Organisation) -> Reply:
    """Ask why, before anything moves: choosing the reason moves the case."""
    choices = tuple(
        button(label, "move", reference, organisation.id, reason)
        for reason, label in TRANSFER_REASON.items()
    )
    return Reply(
        S_("Move {reference} to {organisation}: why? The case moves when you choose, and the "
           "seeker is told which organisation has it now."),
        params={"reference": reference, "organisation": organisation.name},
        choices=(*choices, button(S_("Do not move it"), "open", reference)),
        step=STAFF_STEP,
    )  # fmt: skip


# What the seeker reads once their case has moved.
MOVED_FOR_SEEKER = N_(
    "Your case {reference} is now with {organisation}, who will contact you. You can keep "
    "writing here."
)


def moved(reference: str, organisation: str) -> Reply:
    """Tell the coordinator who moved the case, and its former volunteer, where it went."""
    return Reply(
        S_("{reference} has moved to {organisation}. It is no longer on your lists."),
        params={"reference": reference, "organisation": organisation},
    )


def received_notice(
    params: dict[str, Param], from_organisation: str, reason: TransferReason
) -> Reply:
    """Tell the new organisation's coordinators: a new case for them, where it came from, why."""
    notice = new_case_notice(params)
    line = Line(
        S_("Moved here by {organisation}: {reason}."),
        {"organisation": from_organisation, "reason": Translatable((TRANSFER_REASON[reason],))},
    )
    return replace(notice, lines=(line, *notice.lines))
