"""Queries for working a case: load it, assign it, log attempts, keep the audit and the relay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.domain.board import BoardQuery, BoardSection, Section
from bot.domain.cases import (
    Attempt,
    AttemptChannel,
    AttemptOutcome,
    CaseEvent,
    CaseMessage,
    CaseRecord,
    CaseSource,
    CaseStatus,
    CloseReason,
    NewCase,
    SeekerOfCase,
)
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    Channel,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    Gender,
    Role,
    SupportNeed,
)
from bot.storage.board_queries import BOARD_COLUMNS, board_order, board_states, board_where
from bot.storage.case_rows import contact_column, insert_case
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.seekers import SEEKER_ADDRESS
from bot.storage.timestamps import utc_text

MESSAGE = "case_messages.body"


def _enum(kind: Any, value: Any) -> Any:
    return kind(value) if value is not None else None


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


_SELECT = (
    "SELECT c.id, c.reference, c.org_id, c.source, c.status, c.received_at, c.locale, "
    "c.channel, c.volunteer_id, c.age_group, c.district_id, c.crime, c.contact, "
    "c.talk_language, k.phone, k.email, k.call_time, k.call_time_note, k.voicemail_ok, "
    "k.sms_ok, k.notes, c.role, c.gender, c.area_kind, k.talk_language_other, c.closed_at, "
    "c.close_reason FROM cases c LEFT JOIN case_contacts k ON k.case_id = c.id "
)
# Enum members by stored value (None for NULL): a lookup costs a fraction of a call.
_SOURCE = {member.value: member for member in CaseSource}
_STATUS = {member.value: member for member in CaseStatus}
_CHANNELS: dict[str | None, Channel | None] = {member.value: member for member in Channel}
_CHANNELS[None] = _CHANNELS[""] = None
_CLOSE_REASON: dict[str | None, CloseReason | None] = {m.value: m for m in CloseReason}
_CLOSE_REASON[None] = None
_CHANNEL = {member.value: member for member in AttemptChannel}
_OUTCOME = {member.value: member for member in AttemptOutcome}


def _arrival(row: Any) -> tuple[str, int]:
    """A board row's place in arrival order (received_at, then id), as its index keeps it."""
    return str(row[5]), int(row[0])


class CaseStore:
    """Cases as staff work them, inside one open transaction."""

    def __init__(self, db: Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def by_reference(self, reference: str) -> CaseRecord | None:
        """Load a case with its contact details, needs and attempts."""
        found = await self._load(_SELECT + "WHERE c.reference = ?", (reference.upper(),))
        return found[0] if found else None

    async def by_id(self, case_id: int) -> CaseRecord | None:
        """Load a case by its internal id."""
        found = await self._load(_SELECT + "WHERE c.id = ?", (case_id,))
        return found[0] if found else None

    async def of_org(self, org_id: str, statuses: Sequence[CaseStatus]) -> list[CaseRecord]:
        """Load an organisation's cases in the given states, oldest first."""
        marks = ",".join("?" * len(statuses))
        return await self._load(
            _SELECT + f"WHERE c.org_id = ? AND c.status IN ({marks}) ORDER BY c.received_at",
            (org_id, *statuses),
        )

    async def board(self, query: BoardQuery) -> dict[Section, BoardSection]:
        """Count each section of an organisation's board and load its first rows, with
        their attempts and nothing personal (a list decrypts nothing); each by an index."""
        sections = {}
        for section in Section:
            where, args = board_where(section, query)
            # The clauses are fixed text from board_queries; every value is a parameter.
            counting = f"SELECT COUNT(*) FROM cases c WHERE {where}"  # noqa: S608
            (count,) = (await self._rows(counting, args))[0]
            rows: list[Any] = []
            for state in board_states(section):
                where, args = board_where(section, query, (state,))
                paging = f"{BOARD_COLUMNS} WHERE {where} ORDER BY {board_order(section)} LIMIT ?"
                rows += await self._rows(paging, (*args, query.shown))
            if len(board_states(section)) > 1:
                rows = sorted(rows, key=_arrival)[: query.shown]
            sections[section] = BoardSection(int(count), tuple(await self._board_rows(rows)))
        return sections

    async def _board_rows(self, rows: list[Any]) -> list[CaseRecord]:
        """Turn the board's rows into records, with their attempts (one statement)."""
        ids = [row[0] for row in rows]
        attempts = await self._grouped(
            "SELECT case_id, at, channel, outcome, staff_id FROM attempts", ids, order="at"
        ) if ids else {}  # fmt: skip
        parse = datetime.fromisoformat
        return [
            CaseRecord(
                case_id, reference, org_id, _SOURCE[source], _STATUS[status], parse(received),
                locale, _CHANNELS[channel], volunteer_id=volunteer_id, district_id=district_id,
                talk_language=talk_language, closed_at=parse(closed) if closed else None,
                close_reason=_CLOSE_REASON[reason],
                attempts=tuple(
                    Attempt(parse(at), _CHANNEL[how], _OUTCOME[outcome], staff_id)
                    for at, how, outcome, staff_id in attempts.get(case_id, ())
                ),
            )
            for (
                case_id, reference, org_id, source, status, received, locale, channel,
                volunteer_id, district_id, talk_language, closed, reason,
            ) in rows
        ]  # fmt: skip

    async def _rows(self, sql: str, args: Sequence[object]) -> list[Any]:
        async with self._db.execute(sql, args) as cursor:
            return list(await cursor.fetchall())

    async def of_volunteer(self, staff_id: int) -> list[CaseRecord]:
        """Load a volunteer's open cases, oldest first."""
        return await self._load(
            _SELECT + "WHERE c.volunteer_id = ? AND c.status IN ('assigned', 'in_contact') "
            "ORDER BY c.received_at",
            (staff_id,),
        )

    async def _load(self, sql: str, args: Sequence[object]) -> list[CaseRecord]:
        async with self._db.execute(sql, args) as cursor:
            rows = list(await cursor.fetchall())
        if not rows:
            return []
        ids = [int(r[0]) for r in rows]
        needs = await self._grouped("SELECT case_id, need FROM case_needs", ids)
        circumstances = await self._grouped(
            "SELECT case_id, circumstance FROM case_circumstances", ids
        )
        attempts = await self._grouped(
            "SELECT case_id, at, channel, outcome, staff_id FROM attempts", ids, order="at"
        )
        return [
            CaseRecord(
                id=int(r[0]),
                reference=str(r[1]),
                org_id=str(r[2]),
                source=CaseSource(r[3]),
                status=CaseStatus(r[4]),
                received_at=datetime.fromisoformat(r[5]),
                locale=str(r[6]),
                channel=Channel(r[7]) if r[7] else None,
                volunteer_id=r[8],
                age_group=_enum(AgeGroup, r[9]),
                district_id=r[10],
                crime=_enum(CrimeCategory, r[11]),
                contact=_enum(ContactMethod, r[12]),
                talk_language=r[13],
                phone=self._contact(r[14], "phone"),
                email=self._contact(r[15], "email"),
                call_time=_enum(CallTime, r[16]),
                call_time_note=self._contact(r[17], "call_time_note"),
                voicemail_ok=_flag(r[18]),
                sms_ok=_flag(r[19]),
                notes=self._contact(r[20], "notes"),
                needs=frozenset(SupportNeed(n[0]) for n in needs.get(int(r[0]), [])),
                attempts=tuple(
                    Attempt(
                        datetime.fromisoformat(a[0]),
                        AttemptChannel(a[1]),
                        AttemptOutcome(a[2]),
                        a[3],
                    )
                    for a in attempts.get(int(r[0]), [])
                ),
                role=_enum(Role, r[21]),
                gender=_enum(Gender, r[22]),
                area_kind=_enum(AreaKind, r[23]),
                circumstances=frozenset(
                    Circumstance(c[0]) for c in circumstances.get(int(r[0]), [])
                ),
                talk_language_other=self._contact(r[24], "talk_language_other"),
                closed_at=datetime.fromisoformat(r[25]) if r[25] else None,
                close_reason=_enum(CloseReason, r[26]),
            )
            for r in rows
        ]

    def _contact(self, value: str | None, name: str) -> str | None:
        return self._cipher.open(value, contact_column(name))

    async def _grouped(
        self, select: str, ids: list[int], order: str = "rowid"
    ) -> dict[int, list[tuple[Any, ...]]]:
        marks = ",".join("?" * len(ids))
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        async with self._db.execute(
            f"{select} WHERE case_id IN ({marks}) ORDER BY {order}",
            ids,
        ) as cursor:
            for row in await cursor.fetchall():
                grouped.setdefault(int(row[0]), []).append(tuple(row[1:]))
        return grouped

    async def assign(self, case_id: int, volunteer_id: int) -> None:
        """Give the case to a volunteer; a new case becomes assigned."""
        await self._db.execute(
            "UPDATE cases SET volunteer_id = ?, status = CASE status WHEN 'new' THEN 'assigned' "
            "ELSE status END WHERE id = ?",
            (volunteer_id, case_id),
        )

    async def transfer(self, case_id: int, org_id: str) -> None:
        """Move the case to another organisation, unassigned, for its coordinators to assign."""
        await self._db.execute(
            "UPDATE cases SET org_id = ?, volunteer_id = NULL, status = 'new' WHERE id = ?",
            (org_id, case_id),
        )

    async def add_attempt(
        self,
        case_id: int,
        staff_id: int,
        at: datetime,
        channel: AttemptChannel,
        outcome: AttemptOutcome,
        now: datetime,
    ) -> int:
        """Record an attempt to reach the seeker; reaching them puts the case in contact.
        Return the attempt's id."""
        cursor = await self._db.execute(
            "INSERT INTO attempts (case_id, staff_id, at, channel, outcome, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, staff_id, utc_text(at), channel, outcome, utc_text(now)),
        )
        assert cursor.lastrowid is not None  # noqa: S101 - an INSERT always sets it
        if outcome is AttemptOutcome.REACHED:
            await self._db.execute(
                "UPDATE cases SET status = 'in_contact' WHERE id = ? AND status IN "
                "('new', 'assigned')",
                (case_id,),
            )
        return cursor.lastrowid

    async def correct_attempt(self, case_id: int, attempt_id: int, outcome: AttemptOutcome) -> None:
        """Put an attempt's outcome right: reaching puts the case in contact; an attempt that
        no longer reaches puts it back to waiting for first contact, unless another reached."""
        await self._db.execute(
            "UPDATE attempts SET outcome = ? WHERE id = ? AND case_id = ?",
            (outcome, attempt_id, case_id),
        )
        if outcome is AttemptOutcome.REACHED:
            await self._db.execute(
                "UPDATE cases SET status = 'in_contact' WHERE id = ? AND status IN "
                "('new', 'assigned')",
                (case_id,),
            )
            return
        # A seeker who answered a message is in contact whatever a call says (see the relay).
        await self._db.execute(
            "UPDATE cases SET status = 'assigned' WHERE id = ? AND status = 'in_contact' "
            "AND NOT EXISTS (SELECT 1 FROM attempts WHERE case_id = ? AND outcome = 'reached') "
            "AND NOT EXISTS (SELECT 1 FROM case_events WHERE case_id = ? "
            "AND event = 'seeker_answered')",
            (case_id, case_id, case_id),
        )

    async def mark_in_contact(self, case_id: int) -> bool:
        """Put an assigned case in contact; False if it was not waiting for first contact."""
        cursor = await self._db.execute(
            "UPDATE cases SET status = 'in_contact' WHERE id = ? AND status = 'assigned'",
            (case_id,),
        )
        return cursor.rowcount == 1

    async def close(self, case_id: int, reason: CloseReason, now: datetime) -> None:
        """Close the case with a reason."""
        await self._db.execute(
            "UPDATE cases SET status = 'closed', close_reason = ?, closed_at = ? WHERE id = ?",
            (reason, utc_text(now), case_id),
        )

    async def record_event(
        self, case_id: int, staff_id: int | None, event: str, detail: str, now: datetime
    ) -> None:
        """Add to the audit trail: who did what to the case, and when."""
        await self._db.execute(
            "INSERT INTO case_events (case_id, at, staff_id, event, detail) VALUES (?, ?, ?, ?, ?)",
            (case_id, utc_text(now), staff_id, event, detail),
        )

    async def events(self, case_id: int) -> list[CaseEvent]:
        """Return the audit trail of a case, oldest first."""
        async with self._db.execute(
            "SELECT at, staff_id, event, detail FROM case_events WHERE case_id = ? ORDER BY id",
            (case_id,),
        ) as cursor:
            return [
                CaseEvent(datetime.fromisoformat(r[0]), r[1], str(r[2]), str(r[3]))
                for r in await cursor.fetchall()
            ]

    async def add_message(
        self, case_id: int, *, from_seeker: bool, staff_id: int | None, body: str, now: datetime
    ) -> None:
        """Keep a relayed message with the case, so a new volunteer can read back."""
        await self._db.execute(
            "INSERT INTO case_messages (case_id, at, from_seeker, staff_id, body) "
            "VALUES (?, ?, ?, ?, ?)",
            (case_id, utc_text(now), int(from_seeker), staff_id, self._cipher.seal(body, MESSAGE)),
        )

    async def messages(self, case_id: int) -> list[CaseMessage]:
        """Return the relayed conversation of a case, oldest first."""
        async with self._db.execute(
            "SELECT at, from_seeker, body FROM case_messages WHERE case_id = ? ORDER BY id",
            (case_id,),
        ) as cursor:
            return [
                CaseMessage(
                    datetime.fromisoformat(r[0]), bool(r[1]), self._cipher.open(r[2], MESSAGE) or ""
                )
                for r in await cursor.fetchall()
            ]

    async def relay_counts(self, case_id: int, since: datetime) -> tuple[bool, int]:
        """Tell whether staff ever wrote in the case, and count the seeker's messages since."""
        async with self._db.execute(
            "SELECT EXISTS (SELECT 1 FROM case_messages WHERE case_id = ? AND from_seeker = 0), "
            "(SELECT COUNT(*) FROM case_messages "
            "WHERE case_id = ? AND at >= ? AND from_seeker = 1)",
            (case_id, case_id, utc_text(since)),
        ) as cursor:
            row = await cursor.fetchone()
        return (bool(row[0]), int(row[1])) if row else (False, 0)

    async def seeker_of(self, case_id: int) -> SeekerOfCase | None:
        """Return the channel, address and seeker id behind a case, if the seeker wrote in."""
        async with self._db.execute(
            "SELECT s.channel, s.address, s.id FROM cases c JOIN seekers s ON s.id = c.seeker_id "
            "WHERE c.id = ?",
            (case_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        address = self._cipher.open(row[1], SEEKER_ADDRESS)
        return SeekerOfCase(int(row[2]), Channel(row[0]), str(address))

    async def case_of_seeker(self, seeker_id: int) -> CaseRecord | None:
        """Return the seeker's latest case."""
        found = await self._load(
            _SELECT + "WHERE c.seeker_id = ? ORDER BY c.id DESC LIMIT 1", (seeker_id,)
        )
        return found[0] if found else None

    async def add(self, case: NewCase, new_reference: Callable[[], str]) -> tuple[int, str]:
        """Store a new case and return its id and its fresh reference."""
        return await insert_case(self._db, self._cipher, case, new_reference)
