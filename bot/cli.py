"""Command line: parse arguments and call into the application."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.i18n import CatalogError
from bot.logs import configure_logging
from bot.storage.keyring import KeyringError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jourbot", description="Jourbot intake and follow-up")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the service with every configured channel")
    console = commands.add_parser("console", help="be a seeker in the terminal")
    console.add_argument("--session", help="resume the conversation with this name")
    commands.add_parser("migrate", help="bring the database schema up to date")

    staff = commands.add_parser("staff", help="invite and manage staff").add_subparsers(
        dest="action", required=True
    )
    invite = staff.add_parser("invite", help="make a one-time invite code")
    invite.add_argument("--org", required=True)
    invite.add_argument("--role", choices=["volunteer", "coordinator"], required=True)
    invite.add_argument("--hours", type=int, default=72, help="valid for this long")
    listing = staff.add_parser("list", help="list staff")
    listing.add_argument("--org")
    train = staff.add_parser("train", help="record that basic training was passed")
    train.add_argument("id", type=int)
    train.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    link = staff.add_parser("link", help="a one-time link that signs a staff member in to the desk")
    link.add_argument("id", type=int)
    for name in ("deactivate", "activate"):
        staff.add_parser(name, help=f"{name} a staff member").add_argument("id", type=int)
    languages = staff.add_parser("languages", help="set the languages a volunteer speaks")
    languages.add_argument("id", type=int)
    languages.add_argument("codes", nargs="+", help="e.g. sv ar so")
    phone = staff.add_parser("phone", help="set the staff member's own phone, rung for calls")
    phone.add_argument("id", type=int)
    phone.add_argument("number", help='e.g. "070-123 45 67"; "-" removes it')

    commands.add_parser("keygen", help="print a fresh JOURBOT_SECRET_KEY")
    commands.add_parser("rekey", help="seal all personal data under the current key")
    purge = commands.add_parser("purge", help="apply retention, or erase one case now")
    purge.add_argument("--case", help="erase this case's personal data at once (on request)")
    backup = commands.add_parser("backup", help="write a consistent copy of the database")
    backup.add_argument("path", type=Path)

    report = commands.add_parser("report", help="the follow-up figures for the city")
    report.add_argument("--org", required=True)
    report.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
    report.add_argument("--to", dest="end", type=date.fromisoformat, required=True)
    report.add_argument("--format", choices=["md", "csv", "json", "png", "pdf"], default="md")
    report.add_argument(
        "--lang", default="sv", help="language of the charts and PDF (a staff language)"
    )
    report.add_argument("--out", type=Path, help="write here instead of to the terminal")

    remind = commands.add_parser("remind", help="run one reminder sweep as of a given time")
    remind.add_argument(
        "--at", type=_moment, required=True, help="ISO 8601, e.g. 2026-11-27T15:00+01:00"
    )
    remind.add_argument("--dry-run", action="store_true", help="show what is due; send nothing")
    remind.add_argument("--json", action="store_true", help="print the due reminders as JSON")

    case = commands.add_parser(
        "case", help="register a case, or read one's history"
    ).add_subparsers(dest="action", required=True)
    history = case.add_parser("history", help="what happened to a case, who did it and when")
    history.add_argument("reference", help="the case reference, e.g. K7M-4QX")
    history.add_argument("--lang", default="en", help="a staff language")
    add = case.add_parser("add", help="register a police referral, phone call or walk-in")
    add.add_argument("--org", required=True)
    add.add_argument("--source", choices=["police", "phone", "walk_in"], required=True)
    add.add_argument("--language", required=True, help="the seeker's language, e.g. sv, ar")
    add.add_argument("--phone")
    add.add_argument("--age-group", choices=["under_18", "18_20", "21_plus", "undisclosed"])
    add.add_argument("--district", help="district id or name, e.g. jarva or Tensta")
    add.add_argument("--crime", help="assault, threat, harassment, sexual, robbery, ...")
    add.add_argument("--needs", default="", help="comma-separated: talk,counsel,...")
    add.add_argument("--contact", default="call", choices=["call", "sms", "email", "meet"])
    add.add_argument("--call-time", choices=["any", "daytime", "evening"])
    add.add_argument("--voicemail", choices=["yes", "no"])
    add.add_argument("--sms", choices=["yes", "no"])
    return parser


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-11-27T15:00+01:00")
    return moment.astimezone(UTC)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the jourbot command line."""
    args = _parser().parse_args(argv)
    if args.command == "keygen":
        from bot.storage.crypto import new_key

        print(new_key())
        return 0
    try:
        settings = load_settings(os.environ)
        return asyncio.run(_dispatch(args, settings))
    except (ConfigError, CatalogError, KeyringError) as exc:
        print(f"jourbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import app  # imported here so `jourbot --help` stays fast

    json_lines = os.environ.get("JOURBOT_LOG_FORMAT", "").lower() == "json"
    if args.command == "run":
        configure_logging(json_lines=json_lines)
        await app.serve(settings)
        return 0
    if args.command == "console":
        configure_logging(logging.WARNING)
        await app.console(settings, session=args.session)
        return 0
    configure_logging(logging.WARNING)
    from bot import admin

    return await admin.run(args, settings)
