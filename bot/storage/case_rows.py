"""Writing a new case: one path for bot intakes and for cases registered by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from bot.storage.connection import Connection
from bot.storage.crypto import Cipher

# Column names come from our own code, never from input; they are checked against these.
CASE_COLUMNS = frozenset(
    {
        "seeker_id", "source", "channel", "org_id", "locale", "received_at", "status", "role",
        "age_group", "area_kind", "district_id", "crime", "contact", "talk_language", "gender",
    }
)  # fmt: skip
CONTACT_COLUMNS = frozenset(
    {
        "phone", "email", "call_time", "call_time_note", "voicemail_ok", "sms_ok",
        "talk_language_other", "notes",
    }
)  # fmt: skip


# Free text and ways to reach a person are sealed; choices and flags are statistics.
SEALED_CONTACTS = frozenset({"phone", "email", "call_time_note", "talk_language_other", "notes"})


def contact_column(name: str) -> str:
    """Name a case_contacts column as the cipher's associated data."""
    return f"case_contacts.{name}"


async def insert_case(
    db: Connection,
    cipher: Cipher,
    case: Mapping[str, object],
    contacts: Mapping[str, object],
    needs: Iterable[str],
    circumstances: Iterable[str],
    new_reference: Callable[[], str],
) -> tuple[int, str]:
    """Insert a case with a fresh reference, its contact details and its needs."""
    if not (set(case) <= CASE_COLUMNS and set(contacts) <= CONTACT_COLUMNS):
        raise ValueError("unknown case column")
    columns = ", ".join(["reference", *case])
    marks = ", ".join("?" * (len(case) + 1))
    insert = f"INSERT INTO cases ({columns}) VALUES ({marks}) ON CONFLICT (reference) DO NOTHING"  # noqa: S608
    for _ in range(10):  # a clash among ~9·10^8 references is rare; ten in a row is a bug
        reference = new_reference()
        cursor = await db.execute(insert, (reference, *case.values()))
        if cursor.rowcount == 1:
            break
    else:
        raise RuntimeError("could not find a free case reference")
    case_id = cursor.lastrowid
    assert case_id is not None  # noqa: S101 - the INSERT succeeded
    await db.executemany(
        "INSERT INTO case_needs (case_id, need) VALUES (?, ?)",
        [(case_id, need) for need in sorted(needs)],
    )
    await db.executemany(
        "INSERT INTO case_circumstances (case_id, circumstance) VALUES (?, ?)",
        [(case_id, c) for c in sorted(circumstances)],
    )
    contact_columns = ", ".join(["case_id", *contacts])
    values = [
        cipher.seal(str(value) if value is not None else None, contact_column(name))
        if name in SEALED_CONTACTS
        else value
        for name, value in contacts.items()
    ]
    await db.execute(
        f"INSERT INTO case_contacts ({contact_columns}) "  # noqa: S608
        f"VALUES ({', '.join('?' * (len(contacts) + 1))})",
        (case_id, *values),
    )
    return case_id, reference
