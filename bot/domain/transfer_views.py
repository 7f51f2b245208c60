"""What staff see when a case moves to another organisation of the partnership."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.domain.dialogue import S_, Line, Param, Reply
from bot.domain.model import Organisation
from bot.domain.staff_views import STAFF_STEP, button, new_case_notice


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


def moved(reference: str, organisation: str) -> Reply:
    """Tell the coordinator who moved the case, and its former volunteer, where it went."""
    return Reply(
        S_("{reference} has moved to {organisation}. It is no longer on your lists."),
        params={"reference": reference, "organisation": organisation},
    )


def received_notice(params: dict[str, Param], from_organisation: str) -> Reply:
    """Tell the new organisation's coordinators: a new case for them, and where it came from."""
    notice = new_case_notice(params)
    line = Line(S_("Moved here by {organisation}."), {"organisation": from_organisation})
    return replace(notice, lines=(line, *notice.lines))
