"""Writing a new case: one path for bot intakes and for cases registered by hand."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.cases import CaseStatus, NewCase
from bot.domain.model import AreaKind, CallTime
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.timestamps import utc_text

# Free text and ways to reach a person are sealed; choices and flags are statistics.
SEALED_CONTACTS = frozenset({"phone", "email", "call_time_note", "talk_language_other", "notes"})


def contact_column(name: str) -> str:
    """Name a case_contacts column as the cipher's associated data."""
    return f"case_contacts.{name}"


async def insert_case(
    db: Connection, cipher: Cipher, case: NewCase, new_reference: Callable[[], str]
) -> tuple[int, str]:
    """Insert a case with a fresh reference, its contact details, needs and circumstances."""
    a = case.answers
    area_kind = a.area_kind or (AreaKind.DISTRICT if a.district_id else AreaKind.UNKNOWN)
    columns: dict[str, object] = {
        "seeker_id": case.seeker_id, "source": case.source, "channel": case.channel or "",
        "org_id": case.org_id, "locale": case.locale, "received_at": utc_text(case.received_at),
        "status": CaseStatus.NEW, "role": a.role, "age_group": a.age_group,
        "area_kind": area_kind, "district_id": a.district_id, "crime": a.crime,
        "contact": a.contact, "talk_language": a.talk_language, "gender": a.gender,
        "daytime_only": a.call_time is CallTime.DAYTIME,
    }  # fmt: skip
    contacts: dict[str, object] = {
        "phone": a.phone, "email": a.email, "call_time": a.call_time,
        "call_time_note": a.call_time_note, "voicemail_ok": a.voicemail_ok, "sms_ok": a.sms_ok,
        "talk_language_other": a.talk_language_other, "notes": a.notes,
    }  # fmt: skip
    insert = (
        f"INSERT INTO cases (reference, {', '.join(columns)}) "  # noqa: S608 - our own names
        f"VALUES ({', '.join('?' * (len(columns) + 1))}) ON CONFLICT (reference) DO NOTHING"
    )
    for _ in range(10):  # a clash among ~9·10^8 references is rare; ten in a row is a bug
        reference = new_reference()
        cursor = await db.execute(insert, (reference, *columns.values()))
        if cursor.rowcount == 1:
            break
    else:
        raise RuntimeError("could not find a free case reference")
    case_id = cursor.lastrowid
    assert case_id is not None  # noqa: S101 - the INSERT succeeded
    await db.executemany(
        "INSERT INTO case_needs (case_id, need) VALUES (?, ?)",
        [(case_id, need) for need in sorted(a.needs)],
    )
    await db.executemany(
        "INSERT INTO case_circumstances (case_id, circumstance) VALUES (?, ?)",
        [(case_id, c) for c in sorted(a.circumstances)],
    )
    values = [
        cipher.seal(str(value) if value is not None else None, contact_column(name))
        if name in SEALED_CONTACTS
        else value
        for name, value in contacts.items()
    ]
    await db.execute(
        f"INSERT INTO case_contacts (case_id, {', '.join(contacts)}) "  # noqa: S608
        f"VALUES ({', '.join('?' * (len(contacts) + 1))})",
        (case_id, *values),
    )
    return case_id, reference
