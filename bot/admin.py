"""Operator commands (`jourbot migrate`, `staff ...`, `case ...`): print results for a human."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from bot.channels.render import render
from bot.config import Settings
from bot.domain.cases import CaseSource, StaffRole
from bot.domain.dialogue import S_, Reply
from bot.domain.model import AgeGroup, CallTime, ContactMethod, CrimeCategory, SupportNeed
from bot.domain.routing import match_district
from bot.domain.typed import normalise_phone
from bot.i18n import Catalogs, default_locales_dir
from bot.ports import SystemClock
from bot.services.intake import new_reference
from bot.services.reports import ReportService, as_csv, as_json, as_markdown, drawn
from bot.services.retention import RetentionService
from bot.services.staff import ReferredCase, StaffService, case_history, register_case
from bot.storage.crypto import Cipher
from bot.storage.database import Database
from bot.storage.units import Units


def _no_worker_here() -> None:
    """Wake nobody: the running service's outbox worker finds what a command queued."""


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one operator command against the database; return the exit status."""
    if args.command == "remind":
        return await _remind(args, settings)
    database = await Database.open(settings.db_path)
    try:
        if args.command == "migrate":
            version = await database.schema_version()
            print(f"database {settings.db_path} at schema version {version}")
            return 0
        units = await Units.open(database, Cipher(list(settings.secret_keys)))
        if args.command == "rekey":
            changed = await units.rekey()
            print(f"{changed} values sealed under the current key")
            return 0
        if args.command == "report":
            return await _report(args, settings, units)
        if args.command == "purge":
            return await _purge(args, settings, units)
        if args.command == "backup":
            if args.path.exists():
                return _fail(f"{args.path} exists; give a new file")
            await database.backup(args.path)
            print(f"database copied to {args.path}")
            return 0
        if args.command == "staff":
            return await _staff(args, settings, units)
        if args.action == "history":
            return await _case_history(args, settings, units)
        return await _case_add(args, settings, units)
    finally:
        await database.close()


async def _staff(args: argparse.Namespace, settings: Settings, units: Units) -> int:
    service = StaffService(units, SystemClock(), settings.partnership, _no_worker_here, {})
    if args.action == "invite":
        try:
            invite = await service.create_invite(args.org, StaffRole(args.role), hours=args.hours)
        except KeyError:
            return _fail(f"no organisation {args.org!r}")
        except ValueError as exc:
            return _fail(f"--hours: {exc}")
        until = f"{invite.expires_at:%Y-%m-%d %H:%M} UTC"
        print(f"invite code {invite.code} for a {invite.role} of {invite.org_id}, valid until")
        print(f"{until}; it works once. In a private chat with the bot: /join {invite.code}")
        return 0
    if args.action == "list":
        async with units.begin() as unit:
            staff = await unit.staff.of_org(args.org)
        for s in staff:
            trained = s.trained_on.isoformat() if s.trained_on else "not trained"
            state = "active" if s.active else "inactive"
            print(f"{s.id}\t{s.org_id}\t{s.role}\t{s.name}\t{','.join(s.languages) or '-'}\t"
                  f"{trained}\t{state}")  # fmt: skip
        return 0
    async with units.begin() as unit:
        if args.action == "train":
            found = await unit.staff.update(args.id, trained_on=args.date or date.today())
        elif args.action == "languages":
            found = await unit.staff.update(args.id, languages=tuple(args.codes))
        else:
            found = await unit.staff.update(args.id, active=args.action == "activate")
    if not found:
        return _fail(f"no staff member {args.id}")
    print(f"staff member {args.id}: {args.action} done")
    return 0


async def _case_history(args: argparse.Namespace, settings: Settings, units: Units) -> int:
    found = await case_history(units, settings.partnership, args.reference)
    if found is None:
        return _fail(f"no case {args.reference!r}")
    reference, lines = found
    catalogs = Catalogs(default_locales_dir(), settings.partnership.timezone)
    history = Reply(S_("History of {reference}:"), {"reference": reference}, tuple(lines))
    print(render(history, catalogs.translator(args.lang), {}).text)
    return 0


async def _case_add(args: argparse.Namespace, settings: Settings, units: Units) -> int:
    partnership = settings.partnership
    phone = None
    if args.phone:
        phone = normalise_phone(args.phone)
        if phone is None:
            return _fail(f"not a phone number: {args.phone!r}")
    district = None
    if args.district:
        found = match_district(partnership, args.district)
        if found is None:
            return _fail(f"no district {args.district!r}")
        district = found.id
    try:
        needs = tuple(SupportNeed(n.strip()) for n in args.needs.split(",") if n.strip())
        case = ReferredCase(
            org_id=args.org,
            source=CaseSource(args.source),
            locale=args.language,
            phone=phone,
            age_group=AgeGroup(args.age_group) if args.age_group else None,
            district_id=district,
            crime=CrimeCategory(args.crime) if args.crime else None,
            needs=needs,
            contact=ContactMethod(args.contact),
            call_time=CallTime(args.call_time) if args.call_time else None,
            voicemail_ok=None if args.voicemail is None else args.voicemail == "yes",
            sms_ok=None if args.sms is None else args.sms == "yes",
        )
        reference = await register_case(units, SystemClock(), partnership, case, new_reference)
    except ValueError as exc:
        return _fail(str(exc))
    except KeyError:
        return _fail(f"no organisation {args.org!r}")
    print(f"case {reference} registered for {args.org}")
    return 0


async def _remind(args: argparse.Namespace, settings: Settings) -> int:
    from bot import app

    jourbot = await app.build(settings, run_scheduler=False)
    try:
        if args.dry_run:
            planned = await jourbot.reminders.plan(args.at)
            if args.json:
                print(json.dumps([p.as_json() for p in planned], indent=2))
            for p in [] if args.json else planned:
                print(f"{p.due.reference}\t{p.due.rule}\t{p.due.period}\t"
                      f"{','.join(str(s.id) for s, _ in p.staff) or '-'}")  # fmt: skip
            return 0
        # Queued with their record in one transaction; the running service sends them.
        queued = await jourbot.reminders.sweep(args.at)
        print(f"{len(queued)} reminders queued; the running service sends them")
        return 0
    finally:
        await jourbot.close()


async def _report(args: argparse.Namespace, settings: Settings, units: Units) -> int:
    if args.end < args.start:
        return _fail("--to is before --from")
    try:
        report = await ReportService(units, settings.partnership).report(
            args.org, args.start, args.end
        )
    except KeyError:
        return _fail(f"no organisation {args.org!r}")
    if args.format in ("png", "pdf"):
        catalogs = Catalogs(default_locales_dir(), settings.partnership.timezone)
        translator = catalogs.translator(args.lang)
        data = await drawn(report, translator, settings.partnership, args.format)
    else:
        writer = {"md": as_markdown, "csv": as_csv, "json": as_json}[args.format]
        data = writer(report).encode()
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        args.out.write_bytes(data)
        print(f"report written to {args.out}")
    return 0


async def _purge(args: argparse.Namespace, settings: Settings, units: Units) -> int:
    service = RetentionService(units, SystemClock(), settings.retention)
    if args.case:
        if not await service.erase_case(args.case):
            return _fail(f"no case {args.case!r}")
        print(f"case {args.case.upper()}: personal data erased")
        return 0
    purged = await service.purge()
    print(
        f"purged personal data of {purged.closed_cases} closed cases and "
        f"{purged.abandoned_intakes} unfinished intakes; {purged.inbound_ids} old message ids"
    )
    return 0


def _fail(message: str) -> int:
    print(f"jourbot: {message}", file=sys.stderr)
    return 2
