"""A case's history from its audit trail: what happened, who did it and when, for staff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TypeVar

from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CaseEvent,
    CaseRecord,
    CloseReason,
    TransferReason,
)
from bot.domain.dialogue import S_, Line, Param, Translatable
from bot.domain.model import Partnership
from bot.domain.staff_views import ATTEMPT_CHANNEL, CLOSE_REASON, OUTCOME, SOURCE, TRANSFER_REASON
from bot.domain.stats import TRANSFERRED, parse_transfer, transfer_reason

E = TypeVar("E", bound=StrEnum)
# A seeker who writes after their case was closed starts a new one; each names the other.
FOLLOWS, FOLLOWED_BY = "follows", "followed_by"
CALL, CALL_OUTSIDE = "call", "call_outside_safe_time"  # a volunteer had the service call
CALL_LOGGED, CALL_CORRECTED = "call_logged", "call_corrected"  # detail: the outcome
VIEWED = "viewed"  # someone opened the case: detail says where (VIA_DESK or VIA_BOT)
VIA_DESK, VIA_BOT = "desk", "bot"
HISTORY_SHOWN = 8  # events in a case view; the operator's command shows them all


_TEXT = {
    "registered": S_("{at} {who} registered it by hand"),
    "assigned": S_("{at} {who} assigned it to {volunteer}"),
    "reassigned": S_("{at} {who} reassigned it to {volunteer}"),
    "attempt": S_("{at} {who} logged an attempt: {how}, {outcome}"),
    "support": S_("{at} {who} recorded a contact after the first and the support given"),
    CALL: S_("{at} {who} had the service call the seeker"),
    CALL_OUTSIDE: S_(
        "{at} {who} had the service call the seeker outside the time they said is safe"
    ),
    CALL_LOGGED: S_("{at} a call {who} asked for logged itself: {outcome}"),
    CALL_CORRECTED: S_("{at} {who} put a call's outcome right: {outcome}"),
    "message_to_seeker": S_("{at} {who} wrote to the seeker"),
    "seeker_answered": S_("{at} the seeker answered"),
    TRANSFERRED: S_("{at} {who} moved it from {source_org} to {target_org} ({reason})"),
    "closed": S_("{at} {who} closed it: {reason}"),
    FOLLOWS: S_("{at} the seeker wrote again after {other} was closed: this case began"),
    FOLLOWED_BY: S_("{at} the seeker wrote again: their message went to the new case {other}"),
    VIEWED: S_("{at} {who} opened it ({where})"),
}
_VIEWED_AGAIN = S_("{at} {who} opened it ({where}), {count} times until {last}")
_WHERE = {VIA_DESK: S_("in the desk"), VIA_BOT: S_("in the bot")}
_RECEIVED = S_("{at} received ({source})")
_UNKNOWN = S_("{at} {who}: {event}")
_EARLIER = S_("Earlier events not shown: {count}")
_OPERATOR = S_("an operator")  # from the command line, not as a staff member


def history_lines(
    case: CaseRecord,
    events: Sequence[CaseEvent],
    names: Mapping[int, str],
    partnership: Partnership,
    shown: int | None = HISTORY_SHOWN,
    views: bool = True,
) -> list[Line]:
    """Describe the case's events oldest first, the last *shown* of them (all if None);
    without who opened it unless *views*. One person opening it again and again with
    nothing else in between is one line, with how often and until when."""
    lines = [Line(_RECEIVED, {"at": case.received_at, "source": _source(case)})]
    kept = [e for e in events if views or e.kind != VIEWED]
    for run in _runs_of_views(kept):
        line = _line(run[0], names, partnership)
        if len(run) > 1:
            line = Line(_VIEWED_AGAIN, {**line.params, "count": len(run), "last": run[-1].at})
        lines.append(line)
    if shown is None or len(lines) <= shown:
        return lines
    hidden = len(lines) - shown
    return [Line(_EARLIER, {"count": hidden}), *lines[hidden:]]


def _runs_of_views(events: Sequence[CaseEvent]) -> list[list[CaseEvent]]:
    """Group each event alone, except views by the same person in the same place in a row."""
    runs: list[list[CaseEvent]] = []
    for event in events:
        last = runs[-1][-1] if runs else None
        same = (
            last is not None and event.kind == last.kind == VIEWED
            and (event.staff_id, event.detail) == (last.staff_id, last.detail)
        )  # fmt: skip
        if same:
            runs[-1].append(event)
        else:
            runs.append([event])
    return runs


def _source(case: CaseRecord) -> Translatable:
    return Translatable((SOURCE[case.source],))


def _line(event: CaseEvent, names: Mapping[int, str], partnership: Partnership) -> Line:
    at, staff_id, kind, detail = event.at, event.staff_id, event.kind, event.detail
    params: dict[str, Param] = {"at": at, "who": _who(staff_id, names), "event": kind}
    if kind in ("assigned", "reassigned"):
        volunteer = int(detail) if detail.isdigit() else None
        params["volunteer"] = _who(volunteer, names)
    elif kind == "attempt":
        how, _, outcome = detail.partition(":")
        params["how"] = _label(ATTEMPT_CHANNEL, AttemptChannel, how)
        params["outcome"] = _label(OUTCOME, AttemptOutcome, outcome)
    elif kind in (CALL_LOGGED, CALL_CORRECTED):
        params["outcome"] = _label(OUTCOME, AttemptOutcome, detail)
    elif kind == TRANSFERRED:
        source, target = parse_transfer(detail)
        params["source_org"] = _organisation(partnership, source)
        params["target_org"] = _organisation(partnership, target)
        params["reason"] = _label(TRANSFER_REASON, TransferReason, transfer_reason(detail))
    elif kind == "closed":
        params["reason"] = _label(CLOSE_REASON, CloseReason, detail)
    elif kind in (FOLLOWS, FOLLOWED_BY):
        params["other"] = detail
    elif kind == VIEWED:
        params["where"] = Translatable((_WHERE[detail],)) if detail in _WHERE else detail
    return Line(_TEXT.get(kind, _UNKNOWN), params)


def _who(staff_id: int | None, names: Mapping[int, str]) -> Param:
    if staff_id is None:
        return Translatable((_OPERATOR,))
    return names.get(staff_id, f"#{staff_id}")


def _label(labels: Mapping[E, str], kind: type[E], value: str) -> Param:
    try:
        return Translatable((labels[kind(value)],))
    except (ValueError, KeyError):
        return value  # recorded by an older version: shown as stored


def _organisation(partnership: Partnership, org_id: str) -> str:
    try:
        return partnership.organisation(org_id).name
    except KeyError:
        return org_id
