"""Operator commands (`jourbot migrate`, `staff ...`, `case ...`): print results for a human.

Each command gets the same core the service runs on (app.operating) and asks its services;
what a command queues, the running service's outbox worker sends.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from bot import app
from bot.channels.render import render
from bot.config import Settings
from bot.domain.cases import CaseSource, StaffRole
from bot.domain.dialogue import S_, Reply
from bot.domain.model import AgeGroup, CallTime, ContactMethod, CrimeCategory, SupportNeed
from bot.domain.routing import match_district
from bot.domain.typed import normalise_phone
from bot.services.operator import ReferredCase
from bot.services.report_drawing import drawn
from bot.services.reports import as_csv, as_json, as_markdown


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one operator command against the database; return the exit status."""
    if args.command == "migrate":
        version = await app.schema_version(settings)
        print(f"database {settings.db_path} at schema version {version}")
        return 0
    async with app.operating(settings) as core:
        if args.command == "rekey":
            changed = await core.units.rekey()
            print(f"{changed} values sealed under the current key")
            return 0
        if args.command == "backup":
            if args.path.exists():
                return _fail(f"{args.path} exists; give a new file")
            await core.database.backup(args.path)
            print(f"database copied to {args.path}")
            return 0
        command = {
            "remind": _remind,
            "report": _report,
            "purge": _purge,
            "staff": _staff,
            "case": _case_history if getattr(args, "action", None) == "history" else _case_add,
        }[args.command]
        return await command(args, core)


async def _staff(args: argparse.Namespace, core: app.Core) -> int:
    if args.action == "invite":
        try:
            invite = await core.staff.create_invite(
                args.org, StaffRole(args.role), hours=args.hours
            )
        except KeyError:
            return _fail(f"no organisation {args.org!r}")
        except ValueError as exc:
            return _fail(f"--hours: {exc}")
        until = f"{invite.expires_at:%Y-%m-%d %H:%M} UTC"
        print(f"invite code {invite.code} for a {invite.role} of {invite.org_id}, valid until")
        print(f"{until}; it works once. In a private chat with the bot: /join {invite.code}")
        return 0
    if args.action == "link":
        url = await core.desk.link_for(args.id)
        if url is None:
            return _fail(f"no active staff member {args.id}")
        minutes = int(core.settings.desk.limits.link.total_seconds() // 60)
        print(f"sign-in link for staff member {args.id}, valid once for {minutes} minutes:")
        print(url)
        return 0
    if args.action == "list":
        for s in await core.operator.roster(args.org):
            trained = s.trained_on.isoformat() if s.trained_on else "not trained"
            state = "active" if s.active else "inactive"
            print(f"{s.id}\t{s.org_id}\t{s.role}\t{s.name}\t{','.join(s.languages) or '-'}\t"
                  f"{trained}\t{state}")  # fmt: skip
        return 0
    if args.action == "phone":
        number = None if args.number == "-" else args.number
        try:
            found = await core.operator.set_staff_phone(args.id, number)
        except ValueError as exc:
            return _fail(str(exc))
        if not found:
            return _fail(f"no staff member {args.id}")
        print(f"staff member {args.id}: phone {'removed' if number is None else 'set'}")
        return 0
    try:
        if args.action == "train":
            found = await core.operator.update_staff(args.id, trained_on=args.date or date.today())
        elif args.action == "languages":
            found = await core.operator.update_staff(args.id, languages=tuple(args.codes))
        else:
            found = await core.operator.update_staff(args.id, active=args.action == "activate")
    except ValueError as exc:
        return _fail(str(exc))
    if not found:
        return _fail(f"no staff member {args.id}")
    print(f"staff member {args.id}: {args.action} done")
    return 0


def _staff_language(core: app.Core, code: str) -> str | None:
    """Return *code* if staff messages are written in it, else None."""
    return code if code in core.catalogs.staff_codes else None


async def _case_history(args: argparse.Namespace, core: app.Core) -> int:
    lang = _staff_language(core, args.lang)
    if lang is None:
        return _fail(f"--lang: one of {', '.join(core.catalogs.staff_codes)}")
    found = await core.operator.case_history(args.reference)
    if found is None:
        return _fail(f"no case {args.reference!r}")
    reference, lines = found
    history = Reply(S_("History of {reference}:"), {"reference": reference}, tuple(lines))
    print(render(history, core.catalogs.translator(lang), {}).text)
    return 0


async def _case_add(args: argparse.Namespace, core: app.Core) -> int:
    partnership = core.settings.partnership
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
        reference = await core.operator.register_case(case)
    except ValueError as exc:
        return _fail(str(exc))
    except KeyError:
        return _fail(f"no organisation {args.org!r}")
    print(f"case {reference} registered for {args.org}")
    return 0


async def _remind(args: argparse.Namespace, core: app.Core) -> int:
    if args.dry_run:
        planned = await core.reminders.plan(args.at)
        if args.json:
            print(json.dumps([p.as_json() for p in planned], indent=2))
        for p in [] if args.json else planned:
            print(f"{p.due.reference}\t{p.due.rule}\t{p.due.period}\t"
                  f"{','.join(str(s.id) for s, _ in p.staff) or '-'}")  # fmt: skip
        return 0
    # Queued with their record in one transaction; the running service sends them.
    queued = await core.reminders.sweep(args.at)
    print(f"{len(queued)} reminders queued; the running service sends them")
    return 0


async def _report(args: argparse.Namespace, core: app.Core) -> int:
    if args.end < args.start:
        return _fail("--to is before --from")
    lang = _staff_language(core, args.lang)
    if lang is None:
        return _fail(f"--lang: one of {', '.join(core.catalogs.staff_codes)}")
    try:
        report = await core.reports.report(args.org, args.start, args.end)
    except KeyError:
        return _fail(f"no organisation {args.org!r}")
    if args.format in ("png", "pdf"):
        translator = core.catalogs.translator(lang)
        data = await drawn(report, translator, core.settings.partnership, args.format)
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


async def _purge(args: argparse.Namespace, core: app.Core) -> int:
    if args.case:
        if not await core.retention.erase_case(args.case):
            return _fail(f"no case {args.case!r}")
        print(f"case {args.case.upper()}: personal data erased")
        return 0
    purged = await core.retention.purge()
    print(
        f"purged personal data of {purged.closed_cases} closed cases and "
        f"{purged.abandoned_intakes} unfinished intakes; {purged.inbound_ids} old message ids"
    )
    return 0


def _fail(message: str) -> int:
    print(f"jourbot: {message}", file=sys.stderr)
    return 2
