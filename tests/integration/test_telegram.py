"""The real python-telegram-bot Application inside our Starlette app, with an offline Bot API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import aiosqlite
import httpx
import pytest
from telegram.request import HTTPXRequest

from bot.app import Jourbot, build
from bot.channels.telegram import PerChatUpdateProcessor
from bot.config import Settings, TelegramSettings
from bot.logs import configure_logging
from bot.web.webhooks import SECRET_HEADER
from tests.conftest import FakeClock
from tests.telegram_fakes import OfflineBotAPI, Person

SECRET = "webhook-secret_123"
PUBLIC_URL = "https://bot.example.org"
CHAT = 555123987
TOKEN = "123456:TEST-TOKEN"


@dataclass
class Harness:
    jourbot: Jourbot
    api: OfflineBotAPI
    client: httpx.AsyncClient

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post("/telegram", json=update, headers=headers)
        assert self.jourbot.telegram is not None
        await self.jourbot.telegram.update_queue.join()
        await self.jourbot.outbox.drain()
        return response.status_code

    async def press(self, person: Person, value: str) -> None:
        """Press the button with *value* on the last message, as the person would."""
        buttons = {data.split(":", 1)[1]: data for _, data in self.api.buttons(CHAT)}
        assert value in buttons, f"no button {value!r} in {sorted(buttons)}"
        message_id = self.api.sent(CHAT)[-1].get("message_id", 1)
        assert await self.post(person.press(buttons[value], int(message_id))) == 200

    async def write(self, person: Person, text: str) -> None:
        assert await self.post(person.message(text)) == 200

    def last_texts(self, n: int) -> list[str]:
        return [str(m["text"]) for m in self.api.sent(CHAT)[-n:]]


def webhook_settings(settings: Settings) -> Settings:
    telegram = TelegramSettings(TOKEN, public_url=PUBLIC_URL, webhook_secret=SECRET)
    return replace(settings, telegram=telegram)


@asynccontextmanager
async def running(settings: Settings, clock: FakeClock) -> AsyncIterator[Harness]:
    api = OfflineBotAPI()
    jourbot = await build(settings, clock=clock, telegram_request=api, run_scheduler=False)
    try:
        async with jourbot.web.router.lifespan_context(jourbot.web):
            transport = httpx.ASGITransport(app=jourbot.web)
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
                yield Harness(jourbot, api, client)
    finally:
        await jourbot.close()


async def case_rows(settings: Settings) -> list[tuple[Any, ...]]:
    async with (
        aiosqlite.connect(settings.db_path) as db,
        db.execute("SELECT reference, org_id, locale, channel, contact FROM cases") as cursor,
    ):
        return [tuple(r) for r in await cursor.fetchall()]


async def first_half(h: Harness, person: Person) -> None:
    await h.write(person, "/start")
    await h.press(person, "sv")
    await h.press(person, "yes")
    await h.press(person, "victim")
    await h.press(person, "21_plus")
    await h.write(person, "Tensta")


async def second_half(h: Harness, person: Person) -> None:
    await h.press(person, "skip")  # crime
    await h.press(person, "hate")
    await h.press(person, "done")
    await h.press(person, "talk")
    await h.press(person, "done")
    await h.press(person, "call")
    await h.write(person, "070-765 43 21")
    await h.press(person, "evening")
    await h.press(person, "no")
    await h.press(person, "no")
    await h.press(person, "sv")
    await h.press(person, "skip")
    await h.write(person, "Ring inte före sex")


async def test_start_to_stored_case(settings: Settings, clock: FakeClock) -> None:
    """A person goes from /start to a case over the webhook, with buttons at every choice."""
    person = Person(CHAT, language_code="sv")
    async with running(webhook_settings(settings), clock) as h:
        assert ("setWebhook", {
            "url": f"{PUBLIC_URL}/telegram",
            "secret_token": SECRET,
            "allowed_updates": ["message", "callback_query"],
        }) in h.api.calls  # fmt: skip

        await h.write(person, "/start")
        first = h.api.sent(CHAT)[-1]
        assert first["text"] == "Vilket språk vill du skriva på?"
        assert h.api.buttons(CHAT)[:2] == [("Svenska", "lang:sv"), ("English", "lang:en")]

        await h.press(person, "sv")
        intro, privacy, consent = h.last_texts(3)
        assert "gratis" in intro and "112" in intro
        assert "/delete" in privacy
        assert consent.startswith("Får vi spara det du berättar")
        assert ("Ja", "consent:yes") in h.api.buttons(CHAT)

        await first_half(h, person)  # a second /start begins again, harmlessly
        assert any(t.startswith("Vad har hänt?") for t in h.last_texts(1))
        await second_half(h, person)

        ((reference, org, locale, channel, contact),) = await case_rows(settings)
        assert (org, locale, channel, contact) == ("vasterort", "sv", "telegram", "call")
        texts = h.last_texts(6)
        assert texts[5].startswith("Medan du väntar kan du läsa om rättsprocessen")
        assert "/info" in texts[5]
        assert h.api.buttons(CHAT) == [("Information", "info:menu")]
        assert texts[0] == f"Tack! Ditt ärendenummer är {reference}."
        assert texts[1].startswith("Brottsofferjouren Västerort ringer dig inom 3 dagar, senast")
        assert "fredag 27 november 2026 14:00" in texts[1]  # 72 h later, Stockholm time
        assert all("{" not in t for t in texts)
        assert any(endpoint == "answerCallbackQuery" for endpoint, _ in h.api.calls)


async def test_information_menu_and_back(settings: Settings, clock: FakeClock) -> None:
    """/info lists the topics as buttons; one opens with the configured numbers; Back asks the
    question the seeker was at again, and the intake goes on from there."""
    person = Person(CHAT, "sv")
    async with running(webhook_settings(settings), clock) as h:
        await h.write(person, "/start")
        await h.press(person, "sv")
        await h.write(person, "/info")
        assert h.last_texts(1) == ["Information medan du väntar. Välj ett ämne:"]
        labels = [label for label, _ in h.api.buttons(CHAT)]
        assert labels[0] == "Efter en polisanmälan" and labels[-1] == "Tillbaka"
        await h.press(person, "other_help")
        (topic,) = h.last_texts(1)
        assert "020-50 50 50" in topic and "116 111" in topic and "{" not in topic
        await h.press(person, "back")
        assert h.last_texts(1)[0].startswith("Får vi spara det du berättar")
        await h.press(person, "yes")  # the consent question's own button still works
        assert ("Det har hänt mig", "role:victim") in h.api.buttons(CHAT)  # the intake went on


async def test_multiple_choice_edits_the_message_in_place(
    settings: Settings, clock: FakeClock
) -> None:
    """Toggling a need redraws the same message with a check mark, not a new one."""
    person = Person(CHAT)
    async with running(webhook_settings(settings), clock) as h:
        await first_half(h, person)
        await h.press(person, "skip")  # crime
        await h.press(person, "skip")  # circumstances
        before = len(h.api.sent(CHAT))
        await h.press(person, "meeting")
        assert len(h.api.sent(CHAT)) == before + 1
        endpoint, params = h.api.calls[-1]
        assert endpoint == "editMessageText"
        assert ("✓ Ett personligt möte", "needs:meeting") in h.api.buttons(CHAT)
        assert params["message_id"] == h.api.sent(CHAT)[-2]["message_id"]


async def test_restart_mid_intake_continues(settings: Settings, clock: FakeClock) -> None:
    """Stopping the application mid-intake and starting a new one loses nothing."""
    person = Person(CHAT)
    tuned = webhook_settings(settings)
    async with running(tuned, clock) as h:
        await first_half(h, person)
        old_buttons = h.api.buttons(CHAT)

    async with running(tuned, clock) as h:
        # The person presses a button on the question the old process sent.
        crime_skip = dict(old_buttons)["Hoppa över"]
        assert await h.post(person.press(crime_skip)) == 200
        assert h.last_texts(1)[0].startswith("Stämmer något av det här?")
        await h.press(person, "skip")  # circumstances
        await h.press(person, "skip")  # needs
        await h.press(person, "chat")
        await h.press(person, "skip")
        await h.press(person, "skip")
        await h.press(person, "skip")
    ((_, org, *_),) = await case_rows(settings)
    assert org == "vasterort"


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
async def test_webhook_without_the_secret_is_refused(
    settings: Settings, clock: FakeClock, secret: str | None
) -> None:
    """A wrong or missing secret token gets 403 and changes nothing."""
    person = Person(CHAT)
    async with running(webhook_settings(settings), clock) as h:
        calls = len(h.api.calls)
        assert await h.post(person.message("/start"), secret=secret) == 403
        assert len(h.api.calls) == calls
    async with (
        aiosqlite.connect(settings.db_path) as db,
        db.execute("SELECT COUNT(*) FROM seekers") as cursor,
    ):
        assert await cursor.fetchone() == (0,)


async def test_malformed_update_is_rejected(settings: Settings, clock: FakeClock) -> None:
    """A body that is not JSON gets 400 once the secret is right."""
    async with running(webhook_settings(settings), clock) as h:
        response = await h.client.post(
            "/telegram", content=b"not json", headers={SECRET_HEADER: SECRET}
        )
        assert response.status_code == 400


async def test_health(settings: Settings, clock: FakeClock) -> None:
    """The health check answers, with the state of each part."""
    async with running(webhook_settings(settings), clock) as h:
        response = await h.client.get("/healthz")
        expected = {"status": "ok", "outbox": "ok", "telegram": "up"}
        assert (response.status_code, response.json()) == (200, expected)


async def test_health_says_so_when_nothing_can_be_delivered(
    settings: Settings, clock: FakeClock
) -> None:
    """An outbox worker that fails at every look is not "healthy": 503, naming the outbox."""

    async def outbox_table(name: str, failing: bool) -> None:
        current = "outbox_gone" if failing else "outbox"
        async with aiosqlite.connect(settings.db_path) as db:
            await db.execute(f"ALTER TABLE {name} RENAME TO {current}")
            await db.commit()
        for _ in range(100):  # the worker's next look at the table
            h.jourbot.outbox.wake()
            await asyncio.sleep(0.01)
            if h.jourbot.outbox.failing is failing:
                return

    async with running(webhook_settings(settings), clock) as h:
        await outbox_table("outbox", failing=True)
        response = await h.client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["outbox"] == "failing"
        await outbox_table("outbox_gone", failing=False)
        assert (await h.client.get("/healthz")).status_code == 200


async def test_long_polling_without_public_url(settings: Settings, clock: FakeClock) -> None:
    """Without PUBLIC_URL the bot polls getUpdates and has no webhook route."""
    polling = replace(settings, telegram=TelegramSettings(TOKEN))
    person = Person(CHAT)
    async with running(polling, clock) as h:
        assert h.jourbot.telegram is not None
        assert ("deleteWebhook", {}) in [(e, {}) for e, _ in h.api.calls]
        h.api.pending.append(person.message("/start"))
        for _ in range(200):
            if h.api.sent(CHAT):
                break
            await asyncio.sleep(0.01)
        assert h.api.sent(CHAT)[-1]["text"] == "Which language do you want to write in?"
        response = await h.client.post("/telegram", json={})
        assert response.status_code == 404


async def test_logs_carry_no_personal_data(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A full intake logs event names and references, never text, numbers or chat ids."""
    configure_logging(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    person = Person(CHAT, language_code="sv")
    async with running(webhook_settings(settings), clock) as h:
        await first_half(h, person)
        await second_half(h, person)
        await h.post(person.message("/delete"))
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "intake.case_created" in logged
    for secret in (str(CHAT), "765 43 21", "7654321", "Ring inte", "Tensta", "TEST-TOKEN"):
        assert secret not in logged


async def test_each_chat_in_order_and_chats_concurrently() -> None:
    """One chat's updates run one at a time in order; another chat is not held up."""
    from telegram import Update

    processor = PerChatUpdateProcessor(16)
    order: list[str] = []
    release = asyncio.Event()

    def update(update_id: int, chat_id: int) -> Update:
        data = Person(chat_id).message("x")
        data["update_id"] = update_id
        return Update.de_json(data, None)

    async def work(name: str, wait: bool) -> None:
        order.append(f"start {name}")
        if wait:
            await release.wait()
        order.append(f"end {name}")

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(update(1, 1), work("a1", True))),
            asyncio.create_task(processor.process_update(update(2, 1), work("a2", False))),
            asyncio.create_task(processor.process_update(update(3, 2), work("b1", False))),
        ]
        await asyncio.sleep(0.01)
        assert order == ["start a1", "start b1", "end b1"]
        release.set()
        await asyncio.gather(*tasks)
    assert order[3:] == ["end a1", "start a2", "end a2"]


@pytest.mark.parametrize("body", [b"[]", b"{}", b'{"update_id": "x"}', b"null"])
async def test_odd_json_is_rejected_or_ignored(
    settings: Settings, clock: FakeClock, body: bytes
) -> None:
    """Valid JSON that is not an update never crashes the webhook."""
    async with running(webhook_settings(settings), clock) as h:
        response = await h.client.post("/telegram", content=body, headers={SECRET_HEADER: SECRET})
        assert h.jourbot.telegram is not None
        await h.jourbot.telegram.update_queue.join()
        assert response.status_code in (200, 400)


async def test_bot_api_url_is_configurable(settings: Settings, clock: FakeClock) -> None:
    """TELEGRAM_API_URL points the bot at another Bot API server."""
    telegram = TelegramSettings(TOKEN, "http://127.0.0.1:8081/", PUBLIC_URL, SECRET)
    tuned = replace(settings, telegram=telegram)
    async with running(tuned, clock) as h:
        assert h.jourbot.telegram is not None
        assert h.jourbot.telegram.bot.base_url == "http://127.0.0.1:8081/bot123456:TEST-TOKEN"


async def test_bot_api_read_timeout_is_configurable(settings: Settings, clock: FakeClock) -> None:
    """TELEGRAM_READ_TIMEOUT_SECONDS reaches the Bot API client; unset, it is the library's."""
    assert TelegramSettings(TOKEN).read_timeout == HTTPXRequest().read_timeout
    for read_timeout in (0.7, 12.0):
        telegram = TelegramSettings(TOKEN, None, PUBLIC_URL, SECRET, read_timeout)
        jourbot = await build(replace(settings, telegram=telegram), clock=clock)
        try:
            assert jourbot.telegram is not None
            assert jourbot.telegram.bot.request.read_timeout == read_timeout
        finally:
            await jourbot.close()


async def test_failure_on_our_side_gets_an_apology(
    settings: Settings,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When handling fails, the person is told so and given 112; the log names only the error."""
    person = Person(CHAT, language_code="sv")
    async with running(webhook_settings(settings), clock) as h:

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("database is gone")

        monkeypatch.setattr(h.jourbot.intake, "handle", broken)
        await h.write(person, "Hjälp mig, min granne hotar mig")
        (apology,) = h.last_texts(1)
        assert apology.startswith("Förlåt")
        assert "112" in apology
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "telegram.handler_failed error=RuntimeError" in logged
    assert "granne" not in logged


def shipped_locales() -> list[str]:
    from bot.i18n import default_locales_dir

    return sorted(p.parent.parent.name for p in default_locales_dir().glob("*/LC_MESSAGES/*.po")
                  if p.stem == "messages")  # fmt: skip


@pytest.mark.parametrize("locale", shipped_locales())
async def test_full_intake_in_every_language(
    settings: Settings, clock: FakeClock, locale: str
) -> None:
    """Every shipped language carries a whole intake, every text filled in and translated."""
    person = Person(CHAT, language_code=locale.replace("_", "-"))
    async with running(webhook_settings(settings), clock) as h:
        await h.write(person, "/start")
        assert h.api.buttons(CHAT)[0][1] == f"lang:{locale}"  # suggested from Telegram
        await h.press(person, locale)
        await h.press(person, "yes")
        for value in ("victim", "21_plus", "bromma", "threat", "skip", "talk", "done", "call"):
            await h.press(person, value)
        await h.write(person, "070-123 45 67")
        for value in ("evening", "no", "yes", locale, "woman"):
            await h.press(person, value)
        await h.write(person, "-")
        ((reference, org, stored_locale, *_),) = await case_rows(settings)
        assert (org, stored_locale) == ("vasterort", locale)
        texts = [str(m["text"]) for m in h.api.sent(CHAT)]
        assert all("{" not in t and "}" not in t for t in texts)
        assert any(reference in t for t in texts)
        tr = h.jourbot.catalogs.translator(locale)
        consent = "May we store what you tell us, so that a support person can contact you?"
        assert tr.gettext(consent) in "\n".join(texts)
        if locale != "en":
            assert tr.gettext(consent) != consent


async def test_erase_takes_back_the_bots_messages(settings: Settings, clock: FakeClock) -> None:
    """/delete removes what the bot wrote to that chat, where Telegram still allows it."""
    person = Person(CHAT)
    async with running(webhook_settings(settings), clock) as h:
        await first_half(h, person)
        sent_ids = sorted(int(m["message_id"]) for m in h.api.sent(CHAT) if "message_id" in m)
        await h.write(person, "/delete")
        deletions = [params for endpoint, params in h.api.calls if endpoint == "deleteMessages"]
        assert len(deletions) == 1
        assert int(deletions[0]["chat_id"]) == CHAT
        assert sorted(int(i) for i in deletions[0]["message_ids"]) == sorted(set(sent_ids))
        assert "erased" in h.last_texts(1)[0] or "raderat" in h.last_texts(1)[0]
        async with h.jourbot.units.begin() as unit:
            assert await unit.outbox.pending() == 0
