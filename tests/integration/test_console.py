"""`jourbot console` completes an intake from piped stdin and prints the case reference."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

# Numbers pick choices exactly as a person at the terminal would.
SCRIPTS = {
    "en": [
        "2",  # English (Swedish is listed first by default)
        "1",  # consent: yes
        "1",  # it happened to me
        "3",  # 21 or older
        "Vällingby",
        "2",  # threats
        "1 2",  # close relationship, honour
        "1 4",  # someone to talk to, legal process
        "1",  # call me
        "070-123 45 67",
        "3",  # evening
        "2",  # no voicemail
        "1",  # an SMS naming us is fine
        "1",  # talk in English
        "1",  # woman
        "Please call after six",
    ],
    "sv": ["1", "1", "/help", "9", "1", "4", "Kista", "9", "4", "9", "3", "3", "4", "/stop"],
}


def run_console(db: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOURBOT_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_console_completes_an_intake(tmp_path: Path) -> None:
    """The English script ends with a case whose reference is printed and stored."""
    db = tmp_path / "jourbot.db"
    result = run_console(db, SCRIPTS["en"])
    assert result.returncode == 0, result.stderr
    match = re.search(r"Your case number is ([0-9A-Z]{3}-[0-9A-Z]{3})\.", result.stdout)
    assert match is not None, result.stdout[-2000:]
    with sqlite3.connect(db) as conn:
        cases = "SELECT reference, org_id, district_id, contact FROM cases"
        stored = conn.execute(cases).fetchall()
        contact = conn.execute("SELECT phone, sms_ok, notes FROM case_contacts").fetchall()
    assert stored == [(match.group(1), "vasterort", "hasselby-vallingby", "call")]
    assert contact == [("+46701234567", 1, "Please call after six")]
    assert "{" not in result.stdout
    assert "Reply with a number." in result.stdout


def test_console_in_swedish_with_help_and_stop(tmp_path: Path) -> None:
    """Swedish throughout; /help repeats the question; /stop keeps nothing."""
    db = tmp_path / "jourbot.db"
    result = run_console(db, SCRIPTS["sv"])
    assert result.returncode == 0, result.stderr
    assert "Svara med ett nummer." in result.stdout
    assert "/delete" in result.stdout  # the help text
    assert "Vad har hänt? Du behöver inte berätta." in result.stdout
    assert "{" not in result.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM seekers").fetchone() == (0,)
        assert conn.execute("SELECT outcome FROM intake_outcomes").fetchall() == [("stopped",)]


def test_an_unknown_command_is_read_as_help() -> None:
    """As on Telegram: /menu or a typo gets the help, never taken for an answer."""
    from bot.channels.console import parse
    from bot.domain.dialogue import Command, CommandName, Text

    assert parse("/menu\n") == Command(CommandName.HELP)
    assert parse("/hjälp") == Command(CommandName.HELP)
    assert parse("/delete") == Command(CommandName.ERASE)
    assert parse("Tensta\n") == Text("Tensta")
