"""What the desk shows: the board, a case's whole file, the team; the same policy as the bot.

Each returns data, not text: the desk renders pages from it and the bot its messages.
Opening a case is recorded in its audit trail, by whom and where, whichever way it is read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.case_history import VIEWED, history_lines
from bot.domain.cases import CaseEvent, CaseMessage, CaseRecord, CaseStatus, Staff
from bot.domain.dialogue import Line
from bot.domain.followup import FollowUp, follow_up
from bot.domain.policy import Action, allowed, may_see_phone
from bot.domain.routing import suggest_volunteers
from bot.ports import Unit
from bot.services.staff_base import StaffBase

CLOSED_RECENTLY = timedelta(days=14)  # closed cases stay on the board this long
_CASE_ACTIONS = (
    Action.ASSIGN, Action.TRANSFER, Action.LOG_ATTEMPT, Action.RELAY, Action.CLOSE,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One case on the board: what is due, and who has it."""

    case: CaseRecord
    due: FollowUp
    volunteer: str | None


@dataclass(frozen=True, slots=True)
class Board:
    """An organisation's cases by what they need, and its volunteers (for the filters)."""

    unassigned: tuple[BoardRow, ...]
    overdue: tuple[BoardRow, ...]
    open: tuple[BoardRow, ...]
    closed: tuple[BoardRow, ...]
    volunteers: tuple[Staff, ...]


@dataclass(frozen=True, slots=True)
class CaseFile:
    """Everything about one case its reader may see, and what they may do with it."""

    case: CaseRecord
    due: FollowUp
    volunteer: Staff | None
    conversation: tuple[CaseMessage, ...]
    chat: bool  # the seeker can be written to (a channel that reaches them later)
    opted_out: bool
    events: tuple[CaseEvent, ...]
    names: Mapping[int, str]  # of the staff the events mention
    history: tuple[Line, ...]  # every event, views included
    closed_by: str | None
    show_phone: bool
    may: frozenset[Action]


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A staff member as the volunteers page shows them."""

    staff: Staff
    open_cases: int


class DeskMixin(StaffBase):
    """Read models for the desk (and the bot's case view)."""

    async def board(self, actor: Staff | None) -> Board | None:
        """Return the organisation's board for a coordinator; None for anyone else."""
        if not allowed(actor, Action.ORG_CASES):
            return None
        assert actor is not None  # noqa: S101 - allowed() refuses None
        now, org_id = self._clock.now(), actor.org_id

        async def read(unit: Unit) -> tuple[list[CaseRecord], list[Staff]]:
            cases = await unit.cases.board(org_id, now - CLOSED_RECENTLY)
            return cases, await unit.staff.of_org(org_id)

        # Thousands of rows: read in a snapshot beside the writer, so the turns' units of
        # work never wait for the board (a transaction would hold the database throughout).
        cases, staff = await self._units.read_whole(read)
        names = {s.id: s.name for s in staff}
        partnership = self._partnership
        unassigned: list[BoardRow] = []
        overdue: list[BoardRow] = []
        open_rows: list[BoardRow] = []
        closed: list[BoardRow] = []
        for case in cases:  # one pass, each case's follow-up worked out once
            volunteer = names.get(case.volunteer_id) if case.volunteer_id else None
            row = BoardRow(case, follow_up(case, partnership), volunteer)
            if case.status is CaseStatus.CLOSED:
                closed.append(row)
            elif case.status.open:
                (unassigned if case.status is CaseStatus.NEW else open_rows).append(row)
                if row.due.overdue(now):
                    overdue.append(row)
        closed.sort(key=lambda r: r.case.closed_at or r.case.received_at, reverse=True)
        return Board(
            unassigned=tuple(unassigned),
            overdue=tuple(overdue),
            open=tuple(open_rows),
            closed=tuple(closed),
            volunteers=tuple(s for s in staff if s.active),
        )

    async def my_board(self, actor: Staff | None) -> tuple[BoardRow, ...] | None:
        """Return a volunteer's open cases with what is due; None for someone not staff."""
        if not allowed(actor, Action.MY_CASES):
            return None
        assert actor is not None  # noqa: S101 - allowed() refuses None
        staff_id = actor.id
        # A read only: in a snapshot beside the writer, all of it in one trip.
        cases = await self._units.read_whole(lambda unit: unit.cases.of_volunteer(staff_id))
        rows = [BoardRow(c, self._due(c), actor.name) for c in cases]
        return tuple(sorted(rows, key=lambda r: r.due.deadline))

    async def case_file(
        self, actor: Staff | None, reference: str, via: str | None
    ) -> CaseFile | None:
        """Return a case for someone allowed to see it, recording that *actor* opened it
        (*via* says where: the desk or the bot; None for a refresh of a page already
        open); None, the same, if it does not exist or is not theirs."""
        now = self._clock.now()

        async def read(unit: Unit) -> CaseFile | None:
            case = await self._permitted(unit, actor, Action.VIEW, reference)
            if case is None:
                return None
            assert actor is not None  # noqa: S101 - _permitted refuses None
            if via is not None:
                await unit.cases.record_event(case.id, actor.id, VIEWED, via, now)
            return await self._file(unit, actor, case)

        # Whole on the database thread: its dozen statements in one trip, not one each.
        return await self._units.run(read)

    async def suggested(
        self, actor: Staff | None, reference: str
    ) -> tuple[CaseRecord, list[TeamMember]] | None:
        """Rank the volunteers who may take a case, as the bot's assign menu does."""
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.ASSIGN, reference)
            if case is None:
                return None
            volunteers = await unit.staff.of_org(case.org_id)
            load = await unit.staff.open_load(case.org_id)
        ranked = suggest_volunteers(case, volunteers, load)
        return case, [TeamMember(v, load.get(v.id, 0)) for v in ranked]

    async def _file(self, unit: Unit, actor: Staff, case: CaseRecord) -> CaseFile:
        volunteer = await unit.staff.by_id(case.volunteer_id) if case.volunteer_id else None
        conversation = await unit.cases.messages(case.id)
        seeker = await unit.cases.seeker_of(case.id)
        chat = seeker is not None and seeker.channel.traits.reachable_later
        opted_out = seeker is not None and await unit.messages.opted_out(
            seeker.channel, seeker.address
        )
        events = await unit.cases.events(case.id)
        names = await staff_names(unit, events)
        closers = [e.staff_id for e in events if e.kind == "closed"]
        closed_by = names.get(closers[-1]) if closers and closers[-1] is not None else None
        return CaseFile(
            case=case,
            due=self._due(case),
            volunteer=volunteer,
            conversation=tuple(conversation),
            chat=chat,
            opted_out=opted_out,
            events=tuple(events),
            names=names,
            history=tuple(history_lines(case, events, names, self._partnership, shown=None)),
            closed_by=closed_by,
            show_phone=may_see_phone(actor, case),
            may=frozenset(a for a in _CASE_ACTIONS if allowed(actor, a, case)),
        )

    async def team(self, actor: Staff | None) -> tuple[TeamMember, ...] | None:
        """Return the organisation's staff with their open cases, for a coordinator."""
        if not allowed(actor, Action.TRAIN):
            return None
        assert actor is not None  # noqa: S101 - allowed() refuses None
        async with self._units.begin() as unit:
            staff = await unit.staff.of_org(actor.org_id)
            load = await unit.staff.open_load(actor.org_id)
        return tuple(TeamMember(s, load.get(s.id, 0)) for s in staff)


async def staff_names(unit: Unit, events: Sequence[CaseEvent]) -> dict[int, str]:
    """Name the staff an audit trail mentions: who acted, and who was given the case."""
    ids = {e.staff_id for e in events if e.staff_id is not None}
    ids |= {
        int(e.detail) for e in events if e.kind in ("assigned", "reassigned") and e.detail.isdigit()
    }
    names = {}
    for staff_id in sorted(ids):
        staff = await unit.staff.by_id(staff_id)
        if staff is not None:
            names[staff_id] = staff.name
    return names
