"""`jourbot report` from a seeded database: periods in Stockholm time, stable JSON, Markdown."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from PIL import Image

from bot.storage.database import Database
from tests.integration.test_admin_cli import jourbot

ROWS = [
    # (reference, received_at UTC, gender, status, close_reason)
    ("AAA-111", "2026-10-31T23:30:00+00:00", "woman", "closed", "supported"),  # 1 Nov 00:30 CET
    ("AAA-222", "2026-11-15T12:00:00+00:00", "man", "assigned", None),
    ("AAA-333", "2026-11-30T23:30:00+00:00", "woman", "new", None),  # 1 Dec 00:30 CET
    ("AAA-444", "2026-10-31T22:59:00+00:00", "woman", "new", None),  # 31 Oct 23:59 CET
]


async def seed(db: Path) -> None:
    database = await Database.open(db)
    await database.close()
    with sqlite3.connect(db) as conn:
        for reference, received, gender, status, reason in ROWS:
            conn.execute(
                "INSERT INTO cases (reference, source, channel, org_id, locale, received_at, "
                "status, gender, contact, close_reason) VALUES (?, 'bot', 'telegram', "
                "'vasterort', 'sv', ?, ?, ?, 'call', ?)",
                (reference, received, status, gender, reason),
            )
        case_id = conn.execute("SELECT id FROM cases WHERE reference = 'AAA-111'").fetchone()[0]
        conn.execute(
            "INSERT INTO attempts (case_id, at, channel, outcome, recorded_at) VALUES "
            "(?, '2026-11-01T09:00:00+00:00', 'phone', 'reached', '2026-11-01T09:00:00+00:00')",
            (case_id,),
        )
        for at, detail in (
            ("2026-11-15T10:00:00+00:00", "vasterort>stodcentrum"),
            ("2026-11-16T10:00:00+00:00", "soderort>vasterort"),
            ("2026-12-01T10:00:00+00:00", "vasterort>soderort"),  # December: not counted
        ):
            conn.execute(
                "INSERT INTO case_events (case_id, at, event, detail) "
                "VALUES (?, ?, 'transferred', ?)",
                (case_id, at, detail),
            )


async def test_report_formats(tmp_path: Path) -> None:
    """November in Stockholm holds exactly the cases received in local November."""
    db = tmp_path / "jourbot.db"
    await seed(db)
    result = jourbot(db, "report", "--org", "vasterort", "--from", "2026-11-01",
                     "--to", "2026-11-30", "--format", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == [
        "organisation", "from", "to", "cases", "first_contact_within_deadline",
        "median_hours_to_first_contact", "not_reached", "not_reached_with_three_incl_evening",
        "attempts_per_case", "by", "intakes_without_case", "reminders_sent", "referrals",
    ]  # fmt: skip
    assert data["referrals"] == {"received": "<5", "to_stodcentrum": "<5"}
    assert data["cases"] == "<5"  # two: AAA-111 and AAA-222, not October's or December's
    assert data["by"]["gender"] == {"man": "<5", "woman": "<5"}
    assert data["first_contact_within_deadline"] == 0.5
    assert data["median_hours_to_first_contact"] == 9.5  # 23:30 UTC to 09:00 UTC
    out = str(tmp_path / "r.md")
    markdown = jourbot(db, "report", "--org", "vasterort", "--from", "2026-11-01",
                       "--to", "2026-11-30", "--format", "md", "--out", out)  # fmt: skip
    assert markdown.returncode == 0
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert text.startswith("# Follow-up report: vasterort, 2026-11-01 to 2026-11-30")
    assert "| first_contact_within_deadline |  | 50 % |" in text
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
