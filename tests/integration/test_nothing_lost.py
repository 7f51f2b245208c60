"""Every kind of message survives a SIGKILL between its cause and its send, and comes once.

`jourbot run` serves both channels against fake providers on loopback while Telegram refuses
every message, so nothing reaches staff: a new case, its assignment, a reminder, the relay
both ways (and the "Sent" that follows one), a transfer. Then the process is killed outright
and started again with Telegram back. Each message arrives, exactly once.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from tests.integration.test_bad_days import HEADERS, until, world
from tests.integration.test_sms import INTAKE
from tests.loopback import PUBLIC_URL
from tests.telegram_fakes import Person
from tests.twilio_fakes import inbound, sign

COORDINATOR, VOLUNTEER, OTHER_COORDINATOR = 6101, 6102, 6103
SEEKER = "+46701230001"


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def invite(env: dict[str, str], org: str, role: str) -> str:
    out = cli(env, "staff", "invite", "--org", org, "--role", role)
    return out.split("/join ")[1].split()[0]


def one(path: Path, sql: str) -> object:
    with sqlite3.connect(path) as db:
        (value,) = db.execute(sql).fetchone()
    return value


def next_morning(after: datetime) -> datetime:
    """The first 10:00 in Stockholm at least 13 hours after *after*: no quiet hours."""
    zone = ZoneInfo("Europe/Stockholm")
    moment = (after + timedelta(hours=13)).astimezone(zone)
    morning = moment.replace(hour=10, minute=0, second=0, microsecond=0)
    return morning if morning >= moment else morning + timedelta(days=1)


async def test_every_message_kind_survives_a_kill_before_it_is_sent(tmp_path: Path) -> None:
    async with world(tmp_path) as (providers, service, port):
        base, env = f"http://127.0.0.1:{port}", service.env
        db = Path(env["JOURBOT_DB"])
        coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
        other = Person(OTHER_COORDINATOR, "en")
        async with httpx.AsyncClient(timeout=10) as client:

            async def telegram(update: dict[str, object]) -> None:
                response = await client.post(
                    f"{base}/telegram", content=json.dumps(update), headers=HEADERS
                )
                assert response.status_code == 200

            async def sms(body: str) -> None:
                form = inbound(SEEKER, body)
                signed = {"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", form)}
                assert (
                    await client.post(f"{base}/twilio/sms", data=form, headers=signed)
                ).is_success

            await service.start(client)
            await telegram(coordinator.message(f"/join {invite(env, 'vasterort', 'coordinator')}"))
            await telegram(volunteer.message(f"/join {invite(env, 'vasterort', 'volunteer')}"))
            await telegram(other.message(f"/join {invite(env, 'soderort', 'coordinator')}"))
            volunteer_id = str(one(db, "SELECT id FROM staff WHERE role = 'volunteer'"))
            cli(env, "staff", "train", volunteer_id, "--date", "2026-01-01")
            await until(lambda: len(providers.telegram[VOLUNTEER]) >= 1)

            providers.telegram_failures = ["502"] * 100_000  # from here on, nothing reaches staff
            for body in INTAKE:  # handled in order, whatever the replies' pace
                await sms(body)
            await until(lambda: one(db, "SELECT COUNT(*) FROM cases") == 1)
            reference = str(one(db, "SELECT reference FROM cases"))
            received = datetime.fromisoformat(str(one(db, "SELECT received_at FROM cases")))
            at = next_morning(received).isoformat()
            remind = cli(env, "remind", "--at", at)
            assert remind.startswith("1 reminders queued"), remind
            await telegram(coordinator.press(f"s:to:{reference}:{volunteer_id}"))
            await telegram(volunteer.message(f"/reply {reference} Hej, jag ringer i kväll"))
            await sms("Tack, det passar")
            await telegram(coordinator.press(f"s:move:{reference}:soderort:area"))
            await until(lambda: one(db, "SELECT org_id FROM cases") == "soderort")
            await asyncio.sleep(0.3)  # the last webhook's turn is committed; nothing sent
            service.kill()
            staff_before = {c: list(providers.telegram[c]) for c in (COORDINATOR, VOLUNTEER)}

            await service.start(client)
            # Telegram comes back only now. A send the killed process had already put on the
            # wire reaches the fake after the kill; accepted, it would be the one duplicate a
            # crash is allowed (sent, never recorded), not the kind this test looks for.
            providers.telegram_failures = []

            expected = {
                COORDINATOR: [f"New case {reference}", f"Case {reference} has no volunteer"],
                VOLUNTEER: [
                    f"You have a new case: {reference}",
                    f"Sent to the seeker of {reference}.",
                    f"The seeker in {reference} sent a message.",
                    f"{reference} has moved to",
                ],
                OTHER_COORDINATOR: [f"New case {reference}"],
            }

            def arrived() -> bool:
                relayed = "Meddelande från din stödperson"
                return any(m.startswith(relayed) for m in providers.sms[SEEKER]) and all(
                    any(m.startswith(start) for m in providers.telegram[chat])
                    for chat, starts in expected.items()
                    for start in starts
                )

            await until(arrived, seconds=60)
            await asyncio.sleep(1.0)  # anything doubled would have come by now
    for chat in (COORDINATOR, VOLUNTEER):
        assert staff_before[chat] == providers.telegram[chat][: len(staff_before[chat])]
    for chat, messages in providers.telegram.items():
        counts = Counter(m.split("\n")[0] for m in messages)
        doubled = {text: n for text, n in counts.items() if n > 1 and reference in text}
        assert doubled == {}, (chat, doubled)
    relayed = [m for m in providers.sms[SEEKER] if m.startswith("Meddelande från din stödperson")]
    assert len(relayed) == 1
    assert one(db, "SELECT COUNT(*) FROM case_messages") == 2
