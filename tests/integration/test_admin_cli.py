"""`jourbot staff ...` and `jourbot case add`: what an operator does from the terminal."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.cases import StaffRole
from bot.storage.database import Database
from bot.storage.units import Units


def jourbot(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOURBOT_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_staff_commands(tmp_path: Path) -> None:
    """Invite prints a one-time code; train, languages, phone and deactivate change the
    record."""
    db = tmp_path / "jourbot.db"
    invite = jourbot(db, "staff", "invite", "--org", "vasterort", "--role", "volunteer")
    assert invite.returncode == 0, invite.stderr
    code = re.search(r"/join ([0-9A-Z]{4}-[0-9A-Z]{4})", invite.stdout)
    assert code is not None
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT code_hash FROM invites").fetchone()
        assert code.group(1) not in stored  # only a hash is kept
        conn.execute(
            "INSERT INTO staff (org_id, role, name, telegram_id, locale, created_at) "
            "VALUES ('vasterort', 'volunteer', 'Vera', 42, 'sv', '2026-11-24T13:00:00+00:00')"
        )
    assert jourbot(db, "staff", "train", "1", "--date", "2026-02-01").returncode == 0
    assert jourbot(db, "staff", "languages", "1", "sv", "ar").returncode == 0
    typo = jourbot(db, "staff", "languages", "1", "sv", "zz")
    assert (typo.returncode, typo.stderr) == (2, "jourbot: not a language code: zz\n")
    listing = jourbot(db, "staff", "list", "--org", "vasterort")
    assert listing.stdout.split("\t")[4:7] == ["sv,ar", "2026-02-01", "active\n"]
    link = jourbot(db, "staff", "link", "1")
    assert link.returncode == 0, link.stderr
    url = re.search(r"http://127\.0\.0\.1:8080/desk/sign-in/(\S+)", link.stdout)
    assert url is not None
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT token_hash FROM desk_links").fetchone()
        assert url.group(1) not in stored  # only a hash is kept
    phone = jourbot(db, "staff", "phone", "1", "070-123 45 67")
    assert (phone.returncode, phone.stdout) == (0, "staff member 1: phone set\n")
    with sqlite3.connect(db) as conn:
        (kept,) = conn.execute("SELECT phone FROM staff WHERE id = 1").fetchone()
        assert kept == "+46701234567"  # E.164 (sealed when a key is set: test_encryption)
    wrong = jourbot(db, "staff", "phone", "1", "12")
    assert wrong.returncode == 2 and "not a phone number" in wrong.stderr
    assert jourbot(db, "staff", "phone", "99", "0701234567").returncode == 2
    assert jourbot(db, "staff", "phone", "1", "-").stdout == "staff member 1: phone removed\n"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT phone FROM staff WHERE id = 1").fetchone() == (None,)
    assert jourbot(db, "staff", "deactivate", "1").returncode == 0
    assert "inactive" in jourbot(db, "staff", "list").stdout
    gone = jourbot(db, "staff", "link", "1")
    assert (gone.returncode, gone.stderr.strip()) == (2, "jourbot: no active staff member 1")
    missing = jourbot(db, "staff", "train", "99")
    assert (missing.returncode, missing.stderr.strip()) == (2, "jourbot: no staff member 99")
    unknown = jourbot(db, "staff", "invite", "--org", "nowhere", "--role", "volunteer")
    assert unknown.returncode == 2


def test_an_invite_cannot_be_made_already_expired(tmp_path: Path) -> None:
    """`--hours -5` (or 0) is refused; no code is stored."""
    db = tmp_path / "jourbot.db"
    for hours in ("-5", "0"):
        made = jourbot(db, "staff", "invite", "--org", "vasterort", "--role", "volunteer",
                       "--hours", hours)  # fmt: skip
        assert made.returncode == 2
        assert made.stderr.startswith("jourbot: --hours:")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM invites").fetchone() == (0,)


def test_case_add_registers_a_police_referral(tmp_path: Path) -> None:
    """A hand-registered case gets a reference and the same fields as a bot intake."""
    db = tmp_path / "jourbot.db"
    added = jourbot(
        db, "case", "add", "--org", "vasterort", "--source", "police", "--language", "ar",
        "--phone", "070-111 22 33", "--age-group", "21_plus", "--district", "Tensta",
        "--crime", "threat", "--needs", "talk,counsel", "--voicemail", "no", "--sms", "yes",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    reference = re.search(r"case ([0-9A-Z]{3}-[0-9A-Z]{3}) registered", added.stdout)
    assert reference is not None
    with sqlite3.connect(db) as conn:
        case = conn.execute(
            "SELECT reference, org_id, source, status, district_id, crime, contact, locale "
            "FROM cases"
        ).fetchone()
        contacts = conn.execute("SELECT phone, voicemail_ok, sms_ok FROM case_contacts").fetchone()
        needs = conn.execute("SELECT need FROM case_needs ORDER BY need").fetchall()
        events = conn.execute("SELECT event, detail FROM case_events").fetchall()
    assert case == (
        reference.group(1),
        "vasterort",
        "police",
        "new",
        "jarva",
        "threat",
        "call",
        "ar",
    )
    assert contacts == ("+46701112233", 0, 1)
    assert needs == [("counsel",), ("talk",)]
    assert events == [("registered", "police")]
    history = jourbot(db, "case", "history", reference.group(1).lower())
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[0] == f"History of {reference.group(1)}:"
    assert lines[1].endswith("received (police referral)")
    assert lines[2].endswith("an operator registered it by hand")
    swedish = jourbot(db, "case", "history", reference.group(1), "--lang", "sv")
    assert "inkom (polisanmälan)" in swedish.stdout or "inkom (" in swedish.stdout
    missing = jourbot(db, "case", "history", "ZZZ-ZZZ")
    assert (missing.returncode, missing.stderr.strip()) == (2, "jourbot: no case 'ZZZ-ZZZ'")
    bad = jourbot(db, "case", "add", "--org", "vasterort", "--source", "phone", "--language",
                  "sv", "--phone", "12")  # fmt: skip
    assert (bad.returncode, bad.stderr.strip()) == (2, "jourbot: not a phone number: '12'")


def test_remind_dry_run_prints_due_reminders_as_json(tmp_path: Path) -> None:
    """One sweep as of a given time: the due reminders as JSON; nothing sent or recorded."""
    db = tmp_path / "jourbot.db"
    added = jourbot(
        db, "case", "add", "--org", "vasterort", "--source", "phone", "--language", "sv"
    )
    reference = re.search(r"case ([0-9A-Z]{3}-[0-9A-Z]{3})", added.stdout)
    assert reference is not None
    with sqlite3.connect(db) as conn:  # received on a known Tuesday at 14:00 Stockholm time
        conn.execute("UPDATE cases SET received_at = '2026-11-24T13:00:00+00:00'")
    early = jourbot(db, "remind", "--at", "2026-11-24T20:00+01:00", "--dry-run", "--json")
    assert (early.returncode, json.loads(early.stdout)) == (0, [])
    late = jourbot(db, "remind", "--at", "2026-11-27T15:00+01:00", "--dry-run", "--json")
    assert late.returncode == 0, late.stderr
    assert sorted(json.loads(late.stdout), key=lambda r: r["rule"]) == [
        {"case": reference.group(1), "rule": "deadline_passed", "period": "once", "recipients": []},
        {
            "case": reference.group(1),
            "rule": "unassigned",
            "period": "2026-11-27",
            "recipients": [],
        },
    ]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM reminders").fetchone() == (0,)
    naive = jourbot(db, "remind", "--at", "2026-11-27T15:00", "--dry-run")
    assert naive.returncode == 2
    assert "time zone" in naive.stderr


def test_purge_and_backup_commands(tmp_path: Path) -> None:
    """`jourbot purge`, `purge --case REF` and `backup PATH` from the terminal."""
    db = tmp_path / "jourbot.db"
    added = jourbot(db, "case", "add", "--org", "vasterort", "--source", "walk_in",
                    "--language", "sv", "--phone", "0701234567")  # fmt: skip
    reference = re.search(r"case ([0-9A-Z]{3}-[0-9A-Z]{3})", added.stdout)
    assert reference is not None
    purged = jourbot(db, "purge")
    assert purged.returncode == 0, purged.stderr
    assert "0 closed cases" in purged.stdout
    erased = jourbot(db, "purge", "--case", reference.group(1))
    assert erased.returncode == 0, erased.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM cases").fetchone() == ("erased",)
        assert conn.execute("SELECT COUNT(*) FROM case_contacts").fetchone() == (0,)
    copy = tmp_path / "copy.db"
    assert jourbot(db, "backup", str(copy)).returncode == 0
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT reference FROM cases").fetchone() == (reference.group(1),)
    assert jourbot(db, "backup", str(copy)).returncode == 2  # never overwrites


async def add_coordinator(db: Path) -> None:
    database = await Database.open(db)
    try:
        async with Units(database).begin() as unit:
            await unit.staff.add(
                org_id="vasterort", role=StaffRole.COORDINATOR, name="Cora", telegram_id=42,
                locale="sv", now=datetime(2026, 11, 24, 13, 0, tzinfo=UTC),
            )  # fmt: skip
    finally:
        await database.close()


def test_remind_queues_without_a_telegram_token(tmp_path: Path) -> None:
    """The sweep records and queues; the running service sends: no token is needed for it."""
    db = tmp_path / "jourbot.db"
    added = jourbot(
        db, "case", "add", "--org", "vasterort", "--source", "phone", "--language", "sv"
    )
    assert added.returncode == 0, added.stderr
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE cases SET received_at = '2026-11-24T13:00:00+00:00'")
    asyncio.run(add_coordinator(db))
    with sqlite3.connect(db) as conn:
        queued_before = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    env_without_token = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    swept = subprocess.run(
        [sys.executable, "-m", "bot", "remind", "--at", "2026-11-27T15:00+01:00"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**env_without_token, "JOURBOT_DB": str(db)},
    )  # fmt: skip
    assert swept.returncode == 0, swept.stderr
    assert "reminders queued; the running service sends them" in swept.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM reminders").fetchone()[0] >= 1
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] > queued_before
