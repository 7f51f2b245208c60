"""`jourbot report` end to end: the command line's periods, formats, files and exit codes.

The figures themselves are specified on the in-memory units in tests/services/test_reports.py;
here a database file is filled through the storage ports and the CLI reads it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from PIL import Image

from bot.domain.care import CareContact, Support, SupportKind
from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CaseSource,
    CaseStatus,
    CloseReason,
    NewCase,
    StaffRole,
)
from bot.domain.model import Channel, Gender
from bot.domain.stats import TRANSFERRED
from bot.storage.database import Database
from bot.storage.units import Units
from tests.contract.builders import answers, references
from tests.integration.test_admin_cli import jourbot

ROWS = [
    # (reference, received_at UTC, gender, status, close_reason)
    ("AAA-111", "2026-10-31T23:30:00+00:00", Gender.WOMAN, CaseStatus.CLOSED,
     CloseReason.SUPPORTED),  # 1 Nov 00:30 CET
    ("AAA-222", "2026-11-15T12:00:00+00:00", Gender.MAN, CaseStatus.ASSIGNED, None),
    ("AAA-333", "2026-11-30T23:30:00+00:00", Gender.WOMAN, CaseStatus.NEW, None),  # 1 Dec CET
    ("AAA-444", "2026-10-31T22:59:00+00:00", Gender.WOMAN, CaseStatus.NEW, None),  # 31 Oct CET
]  # fmt: skip


async def seed(db: Path) -> None:
    """Write the cases, a call and three moves as the services would, through the ports."""
    at = datetime.fromisoformat
    database = await Database.open(db)
    try:
        async with Units(database).begin() as unit:
            vera = await unit.staff.add(
                org_id="vasterort", role=StaffRole.VOLUNTEER, name="Vera", telegram_id=9002,
                locale="sv", now=at("2026-10-01T09:00:00+00:00"),
            )  # fmt: skip
            for reference, received, gender, status, reason in ROWS:
                told = replace(answers(), gender=gender)
                new = NewCase(
                    "vasterort", CaseSource.BOT, "sv", at(received), told, Channel.TELEGRAM
                )
                case_id, _ = await unit.cases.add(new, references(reference))
                if status is not CaseStatus.NEW:
                    await unit.cases.assign(case_id, vera)
                if reason is not None:
                    await unit.cases.close(case_id, reason, at("2026-11-02T09:00:00+00:00"))
            first = await unit.cases.by_reference("AAA-111")
            assert first is not None
            called = at("2026-11-01T09:00:00+00:00")
            await unit.cases.add_attempt(
                first.id, vera, called, AttemptChannel.PHONE, AttemptOutcome.REACHED, called
            )
            given = (Support(SupportKind.CONVERSATION), Support(SupportKind.REFERRAL, "police"))
            contact = CareContact(date(2026, 11, 3), AttemptChannel.MEETING, 60, given)
            await unit.care.add(first.id, vera, contact, called)
            for moved, detail in (
                ("2026-11-15T10:00:00+00:00", "vasterort>stodcentrum"),
                ("2026-11-16T10:00:00+00:00", "soderort>vasterort"),
                ("2026-12-01T10:00:00+00:00", "vasterort>soderort"),  # December: not counted
            ):
                await unit.cases.record_event(first.id, vera, TRANSFERRED, detail, at(moved))
    finally:
        await database.close()


async def test_report_formats(tmp_path: Path) -> None:
    """JSON with its stable keys, Markdown to a file, CSV; an unknown organisation is refused."""
    db = tmp_path / "jourbot.db"
    await seed(db)
    result = jourbot(db, "report", "--org", "vasterort", "--from", "2026-11-01",
                     "--to", "2026-11-30", "--format", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == [
        "organisation", "from", "to", "cases", "first_contact_within_deadline",
        "median_hours_to_first_contact", "not_reached", "not_reached_with_three_incl_evening",
        "not_reached_evening_not_safe", "not_reached_evening_not_safe_spread",
        "attempts_per_case", "by", "intakes_without_case", "reminders_sent", "referrals",
        "support", "training_sessions", "calls",
    ]  # fmt: skip
    assert (data["organisation"], data["from"], data["to"]) == (
        "vasterort", "2026-11-01", "2026-11-30",
    )  # fmt: skip
    assert data["cases"] == "<5"  # the command suppresses small counts unless told otherwise
    assert data["referrals"] == {"received": "<5", "to_stodcentrum": "<5"}
    assert data["support"] == {
        "contacts": "<5", "contacts_per_case": None, "hours": None,
        "by_kind": {"conversation": "<5", "referral": "<5"}, "accompaniments": {},
        "applications": {}, "referrals_made": {"police": "<5"},
    }  # fmt: skip
    out = str(tmp_path / "r.md")
    markdown = jourbot(db, "report", "--org", "vasterort", "--from", "2026-11-01",
                       "--to", "2026-11-30", "--format", "md", "--out", out)  # fmt: skip
    assert markdown.returncode == 0
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert text.startswith("# Follow-up report: vasterort, 2026-11-01 to 2026-11-30")
    # Two cases: 50 % of "<5" would give the count away, so the share is not shown either.
    assert "| first_contact_within_deadline |  | - |" in text
    assert "| support_referrals_made | police | <5 |" in text
    december = jourbot(db, "report", "--org", "vasterort", "--from", "2026-12-01",
                       "--to", "2026-12-31", "--format", "csv")  # fmt: skip
    assert "cases,,<5" in december.stdout
    unknown = jourbot(db, "report", "--org", "nowhere", "--from", "2026-12-01", "--to",
                      "2026-12-31")  # fmt: skip
    assert unknown.returncode == 2


def pdf_text(text: str) -> bytes:
    return ("\ufeff" + text).encode("utf-16-be")


async def test_report_png_and_pdf(tmp_path: Path) -> None:
    """The charts are a real PNG image; the PDF has the table page and the charts page."""
    db = tmp_path / "jourbot.db"
    period = ("report", "--org", "vasterort", "--from", "2026-10-01", "--to", "2026-12-31")
    await seed(db)
    png = tmp_path / "r.png"
    result = jourbot(db, *period, "--format", "png", "--out", str(png))
    assert result.returncode == 0, result.stderr
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.width > 500 and image.height > 500
    pdfs = {}
    for lang in ("sv", "en"):
        out = tmp_path / f"r.{lang}.pdf"
        result = jourbot(db, *period, "--format", "pdf", "--lang", lang, "--out", str(out))
        assert result.returncode == 0, result.stderr
        pdfs[lang] = out.read_bytes()
    for data in pdfs.values():
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 2
    # The title (with its "ä") is stored as UTF-16 text in the PDF's metadata.
    assert pdf_text("Follow-up report: Brottsofferjouren Västerort") in pdfs["en"]
    assert pdf_text("Uppföljningsrapport: Brottsofferjouren Västerort") in pdfs["sv"]
    assert pdf_text("Follow-up report") not in pdfs["sv"]
