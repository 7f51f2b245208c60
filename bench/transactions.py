"""Count the units of work (trips to the database) one message and its reply cost.

An SMS: the webhook, the turn, and the delivery of its answer to the fake Twilio. A Telegram
update: the webhook's turn and the delivery of its answer to the offline Bot API. Counted by
wrapping the database's three ways in (a transaction, a unit run on its thread, a lookup),
so the same script counts any version of the service, from the request until the answer is
recorded as sent (the worker's idle look at the table afterwards is not the message's).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bot.app import Jourbot, build
from bot.config import SendLimits, TelegramSettings, TwilioSettings, load_settings
from bot.storage.database import Database
from tests.telegram_fakes import OfflineBotAPI, Person
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, FakeTwilio, inbound, sign

PUBLIC_URL = "https://bot.example.org"
SECRET = "bench-secret"


class Trips:
    """Wrap the database's ways in, counting each use."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._originals: dict[str, Any] = {}

    def __enter__(self) -> Trips:
        for name in ("transaction", "run", "lookup"):
            original = getattr(Database, name)
            self._originals[name] = original
            setattr(Database, name, self._counting(name, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self._originals.items():
            setattr(Database, name, original)

    def _counting(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(database: Database, *args: Any, **kwargs: Any) -> Any:
            self.counts[name] += 1
            return original(database, *args, **kwargs)

        return counted

    def total(self) -> int:
        return sum(self.counts.values())


async def until_delivered(jourbot: Jourbot, delivered: int) -> None:
    """Wait until the outbox has recorded that many messages as sent."""
    for _ in range(10_000):
        if jourbot.outbox.delivered >= delivered:
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the answer was not delivered")


async def settle() -> None:
    """Let the worker's look at the queue after a send end outside any count: on a loaded
    machine it could fall into the next message's."""
    await asyncio.sleep(0.1)


async def count() -> dict[str, Any]:
    """Units of work for one SMS and its reply, and one Telegram update and its reply."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(
            load_settings({"JOURBOT_DB": str(Path(tmp) / "jourbot.db")}),
            send_limits=SendLimits(0.0, 0.0, 0.0),
            telegram=TelegramSettings("123456:BENCH", None, PUBLIC_URL, SECRET),
            twilio=TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, OUR_NUMBER),
        )
        api, twilio = OfflineBotAPI(), FakeTwilio()
        jourbot = await build(
            settings, telegram_request=api, http_transport=twilio.transport(),
            run_scheduler=False,
        )  # fmt: skip
        results: dict[str, Any] = {}
        try:
            async with jourbot.web.router.lifespan_context(jourbot.web):
                transport = httpx.ASGITransport(app=jourbot.web)
                async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
                    for turn, body in enumerate(("Hej", "1")):
                        form = inbound("+46701112299", body)
                        headers = {"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", form)}
                        done = jourbot.outbox.delivered + 1
                        with Trips() as trips:
                            await client.post("/twilio/sms", data=form, headers=headers)
                            await until_delivered(jourbot, done)
                        results[f"sms_turn_{turn + 1}"] = dict(trips.counts, total=trips.total())
                        await settle()
                    for turn in range(2):  # a first message from two people: one answer each
                        update = Person(91_000_001 + turn, "sv").message("/start")
                        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                        done = jourbot.outbox.delivered + 1
                        with Trips() as trips:
                            await client.post(
                                "/telegram", content=json.dumps(update), headers=headers
                            )
                            await until_delivered(jourbot, done)
                        results[f"telegram_turn_{turn + 1}"] = dict(
                            trips.counts, total=trips.total()
                        )
                        await settle()
        finally:
            await jourbot.close()
    return results


if __name__ == "__main__":
    print(json.dumps(asyncio.run(count()), indent=2))
