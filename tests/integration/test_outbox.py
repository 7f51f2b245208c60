"""The outbox: retries through provider failures, gives up on permanent ones, keeps order."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from bot.app import build
from bot.config import Retries, Settings, TelegramSettings, TwilioSettings
from bot.domain.dialogue import Reply
from bot.domain.model import Channel, DeliveryStatus
from bot.domain.sms import Encoding, Segments
from bot.ports import Delivered, OutboundText, Recipient, SendError
from bot.services.outbox import PARALLEL, UNEXPECTED_ATTEMPTS, Outbox, Pacer, queue
from bot.storage.crypto import Cipher
from bot.storage.outbox_store import MAX_QUEUED_PER_ADDRESS
from bot.storage.units import Units
from tests.conftest import FakeClock
from tests.integration.test_sms import INTAKE, SEEKER
from tests.telegram_fakes import OfflineBotAPI, Person
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, FakeTwilio, inbound, sign


@dataclass
class FlakySender:
    """Fails as told, then takes everything; records what it took."""

    failures: list[SendError] = field(default_factory=list)
    taken: list[tuple[str, str]] = field(default_factory=list)

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        if self.failures:
            raise self.failures.pop(0)
        self.taken.append((address, replies[0].text))
        return Delivered(str(len(self.taken)))


async def outbox_with(
    settings: Settings, clock: FakeClock, sender: FlakySender
) -> tuple[Outbox, Units, object]:
    jourbot = await build(settings, clock=clock, run_scheduler=False)
    outbox = Outbox(jourbot.units, clock, {Channel.TELEGRAM: sender}, {}, rng=random.Random(1))  # noqa: S311
    return outbox, jourbot.units, jourbot


async def test_retries_with_backoff_then_retry_after(settings: Settings, clock: FakeClock) -> None:
    """A failing provider is retried later, sooner when it says when; then delivered once."""
    sender = FlakySender([SendError("down"), SendError("limited", retry_after=30.0)])
    outbox, _, jourbot = await outbox_with(settings, clock, sender)
    try:
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "1", "en"), [Reply("one")])
        assert await outbox.deliver_due() == 1  # fails: backoff 1-3 s
        assert await outbox.deliver_due() == 0  # not due yet
        clock.advance(seconds=3)
        assert await outbox.deliver_due() == 1  # fails: the provider asks for 30 s
        clock.advance(seconds=29)
        assert await outbox.deliver_due() == 0
        clock.advance(seconds=1)
        assert await outbox.deliver_due() == 1
        assert sender.taken == [("1", "one")]
        assert (outbox.delivered, outbox.retried, outbox.failed) == (1, 2, 0)
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_retry_waits_come_from_the_settings(settings: Settings, clock: FakeClock) -> None:
    """The first wait and the longest are settings: doubling from the one, never past the other."""
    sender = FlakySender([SendError("down")] * 4)
    jourbot = await build(settings, clock=clock, run_scheduler=False)
    retries = Retries(first_seconds=10.0, longest_seconds=12.0)
    outbox = Outbox(
        jourbot.units, clock, {Channel.TELEGRAM: sender}, {}, rng=random.Random(1),  # noqa: S311
        retries=retries,
    )  # fmt: skip
    try:
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "1", "en"), [Reply("one")])
        assert await outbox.deliver_due() == 1  # fails: the first wait is 5-15 s
        clock.advance(seconds=4.9)
        assert await outbox.deliver_due() == 0
        for _ in range(4):  # doubling alone would wait 10-30, 20-60, 40-120 s
            clock.advance(seconds=18)  # the longest wait with all its jitter
            assert await outbox.deliver_due() == 1
        assert sender.taken == [("1", "one")]
        assert (outbox.delivered, outbox.retried) == (1, 4)
    finally:
        await jourbot.close()


async def test_permanent_failure_is_not_retried(settings: Settings, clock: FakeClock) -> None:
    """A blocked bot or an opted-out number: recorded once, never tried again."""
    sender = FlakySender([SendError("telegram_blocked", permanent=True)])
    outbox, units, jourbot = await outbox_with(settings, clock, sender)
    try:
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "1", "en"), [Reply("one")])
        await outbox.drain()
        clock.advance(days=1)
        await outbox.drain()
        assert (sender.taken, outbox.failed) == ([], 1)
        async with units.begin() as unit:
            assert await unit.outbox.pending() == 0
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_each_person_in_order_even_through_a_retry(
    settings: Settings, clock: FakeClock
) -> None:
    """A later message to the same person waits for an earlier one being retried."""
    sender = FlakySender([SendError("down")])
    outbox, _, jourbot = await outbox_with(settings, clock, sender)
    try:
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "1", "en"), [Reply("first")])
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "1", "en"), [Reply("second")])
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "2", "en"), [Reply("other")])
        await outbox.drain()
        assert sender.taken == [("2", "other")]  # "first" failed; "second" must wait
        clock.advance(minutes=1)
        await outbox.drain()
        assert sender.taken == [("2", "other"), ("1", "first"), ("1", "second")]
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_pacer_keeps_the_limits() -> None:
    """Overall rate and the interval per recipient, without waiting in real time."""
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(10.0, 1.0, monotonic=lambda: now[0], sleep=sleep)
    for recipient in ("a", "b", "a"):
        await pacer.wait(recipient)
    # b waits 0.1 s for the overall rate; the second "a" one second after the first.
    assert slept == [0.1, 0.9]


class FailingBotAPI(OfflineBotAPI):
    """An offline Bot API that fails its first sends in every way Telegram can."""

    def __init__(self, failures: Sequence[str]) -> None:
        super().__init__()
        self.failures = list(failures)
        self.refused = 0

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        from telegram.error import NetworkError, TimedOut

        endpoint = url.rsplit("/", 1)[-1]
        if endpoint == "sendMessage" and self.failures:
            failure = self.failures.pop(0)
            self.refused += 1
            if failure == "timeout":
                raise TimedOut
            if failure == "dropped":
                raise NetworkError("connection reset")
            if failure == "429":
                body = b'{"ok":false,"error_code":429,"description":"Too Many Requests",' \
                       b'"parameters":{"retry_after":5}}'  # fmt: skip
                return 429, body
            return 502, b'{"ok":false,"error_code":502,"description":"Bad Gateway"}'
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_fault_recovery_delivers_everything_exactly_once(
    settings: Settings, clock: FakeClock
) -> None:
    """Telegram and Twilio fail for a while (5xx, 429, timeouts, drops), then recover."""
    api = FailingBotAPI(["502", "429", "timeout", "dropped", "502", "timeout"])
    twilio = FakeTwilio()
    failing_sms = iter(
        [httpx.Response(503), httpx.Response(429, json={"code": 20429}), None, httpx.Response(500)]
    )

    def flaky(request: httpx.Request) -> httpx.Response:
        failure = next(failing_sms, "ok")
        if failure is None:
            raise httpx.ConnectError("dropped")
        if failure != "ok":
            return failure  # type: ignore[return-value]
        return twilio.handler(request)

    configured = replace_settings(settings)
    jourbot = await build(
        configured, clock=clock, telegram_request=api,
        http_transport=httpx.MockTransport(flaky), run_scheduler=False,
    )  # fmt: skip
    person = Person(555000999, "sv")
    try:
        async with jourbot.web.router.lifespan_context(jourbot.web):
            transport = httpx.ASGITransport(app=jourbot.web)
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
                headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
                await client.post("/telegram", json=person.message("/start"), headers=headers)
                assert jourbot.telegram is not None
                await jourbot.telegram.update_queue.join()
                for body in INTAKE[:4]:
                    form = inbound(SEEKER, body)
                    signed = {"X-Twilio-Signature": sign(PUBLIC + "/twilio/sms", form)}
                    await client.post("/twilio/sms", data=form, headers=signed)
                    assert jourbot.texts is not None
                    await jourbot.texts.drain()
                for _ in range(60):  # fake minutes pass; retries fall due
                    await jourbot.outbox.drain()
                    clock.advance(minutes=1)
                async with jourbot.units.begin() as unit:
                    lost = await unit.outbox.pending()
    finally:
        await jourbot.close()
    telegram_sent = [m["text"] for m in api.sent(person.chat_id)]
    print(
        f"sent={jourbot.outbox.delivered} retried={jourbot.outbox.retried} "
        f"refused_by_providers={api.refused + 4} lost={lost}"
    )
    assert lost == 0
    assert telegram_sent == ["Vilket språk vill du skriva på?"]
    assert len(twilio.inbox(SEEKER)) == 4  # one answer per SMS turn, each exactly once
    assert len(set(twilio.inbox(SEEKER))) == 4
    assert jourbot.outbox.retried == api.refused + 4  # every refusal retried, none given up
    assert jourbot.outbox.failed == 0


PUBLIC = "https://bot.example.org"


def replace_settings(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(
        settings,
        telegram=TelegramSettings("123456:TEST-TOKEN", None, PUBLIC, "s3cret"),
        twilio=TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, PUBLIC, OUR_NUMBER),
    )


async def sql(
    jourbot: object, statement: str, params: tuple[object, ...] = ()
) -> list[tuple[object, ...]]:
    """Run one statement as the service's own connection would, and return its rows."""
    async with jourbot.database.transaction() as db:  # type: ignore[attr-defined]
        return [tuple(r) for r in await (await db.execute(statement, params)).fetchall()]


@dataclass
class PoisonSender:
    """Raises an error no one expected for one address; takes the rest, slowly."""

    poisoned: str
    taken: list[tuple[str, str]] = field(default_factory=list)

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        await asyncio.sleep(0.001)  # on its way a moment, as over a network
        if address == self.poisoned:
            raise RuntimeError("a bug in a sender")
        self.taken.append((address, replies[0].text))
        return Delivered(str(len(self.taken)))


async def test_a_poisoned_message_is_retried_a_few_times_then_given_up(
    settings: Settings, clock: FakeClock
) -> None:
    """One row failing in an unexpected way holds up nobody and is never sent twice."""
    sender = PoisonSender("13")
    outbox, units, jourbot = await outbox_with(settings, clock, sender)  # type: ignore[arg-type]
    try:
        for n in range(30):
            await outbox.enqueue(Recipient(Channel.TELEGRAM, str(n), "en"), [Reply(f"m{n}")])
        worker = asyncio.create_task(outbox.run())  # the worker and drain() side by side
        for _ in range(10):
            await outbox.drain()
            clock.advance(minutes=15)
        worker.cancel()
        assert sorted(sender.taken) == sorted((str(n), f"m{n}") for n in range(30) if n != 13)
        async with units.begin() as unit:
            assert await unit.outbox.pending() == 0
        assert outbox.failed == 1
        assert outbox.retried == UNEXPECTED_ATTEMPTS - 1
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_a_message_no_key_opens_is_given_up_alone(
    settings: Settings, clock: FakeClock
) -> None:
    """A row sealed under a key nobody has any more fails; the worker and the rest go on."""
    sender = FlakySender()
    outbox, units, jourbot = await outbox_with(settings, clock, sender)
    try:
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "1", "en"), [Reply("before")])
        stranger = Cipher([os.urandom(32)])
        async with units.begin() as unit:  # as a lost key would leave it
            await unit.outbox.add(
                channel=Channel.TELEGRAM, address="2", locale="en", replies=[Reply("x")],
                now=clock.now(),
            )  # fmt: skip
        sealed = stranger.seal("[]", "outbox.message")
        await sql(jourbot, "UPDATE outbox SET message = ? WHERE id = 2", (sealed,))
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "3", "en"), [Reply("after")])
        await outbox.drain()
        assert sender.taken == [("1", "before"), ("3", "after")]
        assert (outbox.failed, outbox.failing) == (0, False)
        async with jourbot.database.transaction() as db:  # type: ignore[attr-defined]
            rows = await (
                await db.execute("SELECT state, error FROM outbox ORDER BY id")
            ).fetchall()
        assert [tuple(r) for r in rows] == [
            ("sent", None),
            ("failed", "unreadable"),
            ("sent", None),
        ]
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_a_new_chat_goes_before_other_chats_backlogs(
    settings: Settings, clock: FakeClock
) -> None:
    """Shortest queues first: 20 flooded chats' 400 replies do not hold back a first reply.

    Oldest first, the new chat's reply would wait for nearly all 400 (50 rounds of sends);
    it goes with the other chats' first replies, in the second round after it was queued.
    """
    sender = FlakySender()
    outbox, _, jourbot = await outbox_with(settings, clock, sender)
    try:
        for chat in range(20):
            for n in range(20):
                await outbox.enqueue(Recipient(Channel.TELEGRAM, f"c{chat}", "en"), [Reply(f"{n}")])
        await outbox.deliver_due()
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "new", "en"), [Reply("welcome")])
        rounds = 0
        while ("new", "welcome") not in sender.taken:
            assert await outbox.deliver_due() == PARALLEL
            rounds += 1
        assert rounds == 2
        assert len(sender.taken) == 3 * PARALLEL
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_what_one_chat_can_queue_is_bounded(settings: Settings, clock: FakeClock) -> None:
    """A repeated reply waits once; past the cap nothing more is queued for that chat."""
    sender = FlakySender()
    outbox, units, jourbot = await outbox_with(settings, clock, sender)
    try:
        flood = Recipient(Channel.TELEGRAM, "flood", "en")
        for _ in range(500):
            await outbox.enqueue(flood, [Reply("Sorry, I did not understand.")])
        async with units.begin() as unit:
            assert await unit.outbox.pending() == 1
        for n in range(MAX_QUEUED_PER_ADDRESS + 50):
            await outbox.enqueue(flood, [Reply(f"different {n}")])
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "other", "en"), [Reply("hello")])
        async with units.begin() as unit:
            assert await unit.outbox.pending() == MAX_QUEUED_PER_ADDRESS + 1
        await outbox.drain()
        assert ("other", "hello") in sender.taken
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_an_erasure_never_overtakes_a_message_on_its_way(
    settings: Settings, clock: FakeClock
) -> None:
    """What is being sent when the person erases goes first; then the erasure's word, last."""
    gate = asyncio.Event()
    order: list[str] = []

    class SlowSender:
        async def send(self, channel, address, locale, replies, edit_of):
            if replies[0].text == "from your support person":
                await gate.wait()
            order.append(replies[0].text)
            return Delivered(str(len(order)))

    outbox, units, jourbot = await outbox_with(settings, clock, SlowSender())  # type: ignore[arg-type]
    try:
        seeker = Recipient(Channel.TELEGRAM, "42", "en")
        await outbox.enqueue(seeker, [Reply("from your support person")])
        sending = asyncio.create_task(outbox.deliver_due())
        await asyncio.sleep(0.01)  # claimed, on its way
        await outbox.enqueue(seeker, [Reply("queued before the erasure")])
        async with units.begin() as unit:
            await unit.outbox.forget(Channel.TELEGRAM, "42")
            await queue(unit, seeker, [Reply("everything is erased")], clock.now())
        assert await outbox.deliver_due() == 0  # the erasure's word waits for the one on its way
        assert order == []
        gate.set()
        await sending
        await outbox.drain()
        assert order == ["from your support person", "everything is erased"]
        rows = await sql(jourbot, "SELECT state FROM outbox ORDER BY id")
        assert rows == [("sent",)]  # the erased one left no row
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_start_up_puts_back_what_a_crash_left_on_its_way(
    settings: Settings, clock: FakeClock
) -> None:
    sender = FlakySender()
    outbox, units, jourbot = await outbox_with(settings, clock, sender)
    try:
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "1", "en"), [Reply("one")])
        async with units.begin() as unit:  # claimed, then the process died
            assert len(await unit.outbox.claim_due(clock.now(), 5)) == 1
        await outbox.drain()
        assert sender.taken == []  # never handed out twice while the process runs
        await outbox.recover()
        await outbox.drain()
        assert sender.taken == [("1", "one")]
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_the_due_query_reads_only_heads(settings: Settings, clock: FakeClock) -> None:
    """Handing out what is due walks the heads' index: it costs what it hands out."""
    from bot.storage.outbox_store import _DUE

    _, _, jourbot = await outbox_with(settings, clock, FlakySender())
    try:
        plan = await sql(jourbot, "EXPLAIN QUERY PLAN " + _DUE, ("2026-01-01", 8))
        details = " ".join(str(row[-1]) for row in plan)
        assert "USING INDEX outbox_heads" in details
        assert "TEMP B-TREE" not in details  # no sort of everything due
    finally:
        await jourbot.close()  # type: ignore[attr-defined]


async def test_a_queue_from_before_heads_gets_its_heads(tmp_path: Path) -> None:
    """Migration 10 marks each address's oldest unsent message, and the worker sends in order."""
    import sqlite3

    from bot.storage.database import Database
    from bot.storage.migrations import MIGRATIONS, statements

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        for script in MIGRATIONS[:9]:
            for statement in statements(script):
                db.execute(statement)
        db.execute("PRAGMA user_version = 9")
        for n, (address, state) in enumerate(
            [("a", "sent"), ("a", "pending"), ("b", "sending"), ("a", "pending"), ("b", "pending")]
        ):
            db.execute(
                "INSERT INTO outbox (channel, address, address_hash, locale, message, state, "
                "next_attempt_at, created_at) VALUES ('telegram', ?, ?, 'en', ?, ?, ?, ?)",
                (address, address, f'[{{"text":"{n}"}}]', state, "2026-01-01", "2026-01-01"),
            )
    database = await Database.open(path)
    await database.close()
    with sqlite3.connect(path) as db:
        heads = db.execute("SELECT id, head FROM outbox ORDER BY id").fetchall()
    assert heads == [(1, 0), (2, 1), (3, 1), (4, 0), (5, 0)]


@dataclass
class GatedTexts:
    """Takes texts only when let through; each becomes one SMS with its id."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    taken: list[str] = field(default_factory=list)

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        await self.gate.wait()
        self.taken.append(replies[0].text)
        provider_id = f"SM{len(self.taken)}"
        text = OutboundText(provider_id, DeliveryStatus.QUEUED, None, Segments(Encoding.GSM7, 1))
        return Delivered(provider_id, (text,))


async def test_an_erasure_while_a_text_is_on_its_way_is_confirmed_at_once(
    settings: Settings, clock: FakeClock
) -> None:
    """The text being sent is recorded as no one's; the erasure's answer follows it."""
    jourbot = await build(settings, clock=clock, run_scheduler=False)
    sender = GatedTexts()
    outbox = Outbox(jourbot.units, clock, {Channel.SMS: sender}, {})
    to = Recipient(Channel.SMS, SEEKER, "sv")
    try:
        async with jourbot.units.begin() as unit:
            seeker_id = await unit.intake.add_seeker(Channel.SMS, SEEKER, clock.now())
            await queue(unit, to, [Reply("on its way")], clock.now(), seeker_id=seeker_id)
        sending = asyncio.create_task(outbox.deliver_due())
        await asyncio.sleep(0.05)  # claimed and handed to the sender, which waits
        async with jourbot.units.begin() as unit:  # the seeker erases everything meanwhile
            await unit.outbox.forget(Channel.SMS, SEEKER, seeker_id)
            await unit.intake.forget_seeker(seeker_id)
            await queue(unit, to, [Reply("erased")], clock.now())
        sender.gate.set()
        await sending
        await outbox.drain()
        assert sender.taken == ["on its way", "erased"]
        async with jourbot.units.begin() as unit:
            assert await unit.outbox.pending() == 0
            assert await unit.messages.delivery_status("SM1") is DeliveryStatus.QUEUED
    finally:
        await jourbot.close()


async def test_a_notice_to_staff_does_not_wait_for_a_seekers_pace(
    settings: Settings, clock: FakeClock
) -> None:
    """Pacing is per chat: a coordinator's notice goes while the seeker's chat rests."""
    sender = FlakySender()
    jourbot = await build(settings, clock=clock, run_scheduler=False)
    pacer = Pacer(1000.0, 0.2)  # one message a chat every 0.2 s (Telegram's is 1 s)
    outbox = Outbox(jourbot.units, clock, {Channel.TELEGRAM: sender}, {Channel.TELEGRAM: pacer})
    seeker, coordinator = (
        Recipient(Channel.TELEGRAM, "1", "sv"),
        Recipient(Channel.TELEGRAM, "2", "en"),
    )
    try:
        async with jourbot.units.begin() as unit:
            closing = [Reply("Tack."), Reply("Ärendenummer"), Reply("Information")]
            await queue(unit, seeker, closing, clock.now())
            await queue(unit, coordinator, [Reply("New case")], clock.now())
        await outbox.drain()
        order = [address for address, _ in sender.taken]
        assert order.index("2") < 2, order  # before the seeker's second message, not after all
        assert [text for address, text in sender.taken if address == "1"] == [
            "Tack.", "Ärendenummer", "Information",
        ]  # fmt: skip
    finally:
        await jourbot.close()


async def test_a_week_of_failures_still_waits_the_longest_wait(
    settings: Settings, clock: FakeClock
) -> None:
    """After thousands of tries the doubling stays at the cap (2 ** 1,024 fits no float)."""
    sender = FlakySender([SendError("down")])
    outbox, units, jourbot = await outbox_with(settings, clock, sender)
    try:
        await outbox.enqueue(Recipient(Channel.TELEGRAM, "1", "en"), [Reply("one")])
        with sqlite3.connect(settings.db_path) as db:
            db.execute("UPDATE outbox SET attempts = 5000")
        assert await outbox.deliver_due() == 1  # fails, and is put back for later
        assert (outbox.retried, outbox.failed) == (1, 0)
        async with units.begin() as unit:
            due = await unit.outbox.next_due()
        assert due is not None and due <= clock.now() + timedelta(seconds=600 * 1.5)
    finally:
        await jourbot.close()  # type: ignore[attr-defined]
