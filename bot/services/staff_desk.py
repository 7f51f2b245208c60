"""What the desk shows: the board, a case's whole file, the team; the same policy as the bot.

Each returns data, not text: the desk renders pages from it and the bot its messages.
Opening a case is recorded in its audit trail, by whom and where, whichever way it is read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.availability import LeftOut, split_available
from bot.domain.board import BoardSection, Section, board_query
from bot.domain.calls import Call
from bot.domain.care import CareContact
from bot.domain.case_history import VIEWED, history_lines
from bot.domain.cases import CaseEvent, CaseMessage, CaseRecord, Staff
from bot.domain.dialogue import Line
from bot.domain.followup import FollowUp
from bot.domain.model import District
from bot.domain.policy import Action, allowed, may_see_phone
from bot.domain.routing import suggest_volunteers
from bot.ports import Unit
from bot.services.staff_base import StaffBase

_CASE_ACTIONS = (
    Action.ASSIGN, Action.TRANSFER, Action.LOG_ATTEMPT, Action.RELAY, Action.CLOSE, Action.CALL,
    Action.RECORD_SUPPORT,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One case on the board: what is due, and who has it."""

    case: CaseRecord
    due: FollowUp
    volunteer: str | None


@dataclass(frozen=True, slots=True)
class BoardRows:
    """How many cases a section holds, and the first of them."""

    count: int
    rows: tuple[BoardRow, ...]


@dataclass(frozen=True, slots=True)
class Board:
    """An organisation's cases by what they need; its volunteers and districts (filters)."""

    sections: dict[Section, BoardRows]
    volunteers: tuple[Staff, ...]
    districts: tuple[District, ...]


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
    calls: tuple[Call, ...] = ()  # placed through the association's number, oldest first
    callable: bool = False  # the service can call this seeker for its volunteer
    care: tuple[CareContact, ...] = ()  # contacts after the first, and the support given


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A staff member as the volunteers page shows them."""

    staff: Staff
    open_cases: int


class DeskMixin(StaffBase):
    """Read models for the desk (and the bot's case view)."""

    async def board(
        self,
        actor: Staff | None,
        *,
        district: str | None = None,
        language: str | None = None,
        volunteer: int | None = None,
    ) -> Board | None:
        """Return the organisation's board for a coordinator, narrowed by the filters; None
        for anyone else. Each section says how many cases it holds and shows the first."""
        if not allowed(actor, Action.ORG_CASES):
            return None
        assert actor is not None  # noqa: S101 - allowed() refuses None
        now, org_id = self._clock.now(), actor.org_id
        query = board_query(
            self._partnership, org_id, now, district=district, language=language,
            volunteer=volunteer,
        )  # fmt: skip

        async def read(unit: Unit) -> tuple[dict[Section, BoardSection], list[Staff]]:
            return await unit.cases.board(query), await unit.staff.of_org(org_id)

        # Read in a snapshot beside the writer, so the turns' units of work never wait.
        found, staff = await self._units.read_whole(read)
        names = {s.id: s.name for s in staff}
        sections = {
            section: BoardRows(
                shown.count,
                tuple(
                    BoardRow(c, self._due(c), names.get(c.volunteer_id) if c.volunteer_id else None)
                    for c in shown.cases
                ),
            )
            for section, shown in found.items()
        }
        districts = tuple(d for d in self._partnership.districts if d.org_id == org_id)
        return Board(sections, tuple(s for s in staff if s.active), districts)

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
    ) -> tuple[list[TeamMember], list[LeftOut]] | None:
        """Rank the volunteers who may take a case, as the bot's assign menu does; the
        absent and the full are left out, with why."""
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.ASSIGN, reference)
            if case is None:
                return None
            volunteers = await unit.staff.of_org(case.org_id)
            load = await unit.staff.open_load(case.org_id)
            today = self._clock.now().astimezone(self._zone).date()
            absences = await unit.absences.current([v.id for v in volunteers], today)
        ranked = suggest_volunteers(case, volunteers, load)
        available, left_out = split_available(ranked, absences, load, today)
        return [TeamMember(v, load.get(v.id, 0)) for v in available], left_out

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
            calls=tuple(await unit.calls.of_case(case.id)),
            callable=self._settings.calls(case),
            care=tuple(await unit.care.of_case(case.id)),
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
