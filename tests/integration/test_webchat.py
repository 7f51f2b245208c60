"""The web chat over HTTP: a seeker opens a chat, answers, reads what the service says; a
volunteer's message waits for them; erasing takes everything the page could read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from bot.app import Jourbot, build
from bot.channels.webchat import new_chat
from bot.config import Settings
from bot.domain.cases import StaffRole
from bot.domain.dialogue import Reply
from bot.domain.model import Channel
from bot.ports import Recipient
from bot.services.outbox import queue
from tests.conftest import FakeClock
from tests.intake_script import through_service

BASE = "https://jour.example"


@pytest.fixture
async def service(settings: Settings, clock: FakeClock) -> AsyncIterator[Jourbot]:
    jourbot = await build(replace(settings), clock=clock, run_scheduler=False)
    try:
        async with jourbot.web.router.lifespan_context(jourbot.web):
            yield jourbot
    finally:
        await jourbot.close()


class Page:
    """What a seeker's page does: start, say, and read the news after the last it saw."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.chat = ""
        self.seen = 0
        self.messages: list[dict[str, object]] = []

    async def start(self, lang: str | None = None) -> None:
        answer = await self.client.post("/chat/start", json={"lang": lang} if lang else {})
        assert answer.status_code == 200
        self.chat = answer.json()["chat"]
        assert "set-cookie" not in answer.headers

    async def news(self, wait: int = 0) -> list[dict[str, object]]:
        answer = await self.client.get(
            "/chat/news", params={"after": self.seen, "wait": wait}, headers={"X-Chat": self.chat}
        )
        assert answer.status_code == 200, answer.status_code
        new = answer.json()["messages"]
        if new:
            self.seen = int(new[-1]["n"])
        self.messages += new
        return list(new)

    async def say(self, text: str) -> int:
        return (
            await self.client.post("/chat/say", json={"chat": self.chat, "text": text})
        ).status_code

    async def press(self, step: str, value: str) -> int:
        body = {"chat": self.chat, "step": step, "value": value}
        return (await self.client.post("/chat/say", json=body)).status_code


@pytest.fixture
async def page(service: Jourbot) -> AsyncIterator[Page]:
    transport = httpx.ASGITransport(app=service.web)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield Page(client)


async def test_a_chat_is_the_intake_with_buttons(service: Jourbot, page: Page) -> None:
    await page.start()
    await service.outbox.drain()
    (greeting,) = await page.news()
    assert greeting["step"] == "lang" and greeting["options"]  # choices are buttons
    assert await page.press("lang", "ar") == 204
    await service.outbox.drain()
    new = await page.news()
    assert new and all(m["lang"] == "ar" and m["rtl"] for m in new)
    assert await page.news() == []  # read once; nothing new


async def test_a_page_that_starts_in_a_language_greets_in_it(service: Jourbot, page: Page) -> None:
    """`/chat?lang=ar` greets in Arabic, right to left, with Arabic offered first."""
    await page.start("ar")
    await service.outbox.drain()
    (greeting,) = await page.news()
    assert (greeting["lang"], greeting["rtl"], greeting["step"]) == ("ar", True, "lang")
    options = greeting["options"]
    assert isinstance(options, list) and options[0]["value"] == "ar"
    other = Page(page.client)
    await other.start("zz")  # no such language: greeted in the default one
    await service.outbox.drain()
    (fallback,) = await other.news()
    assert fallback["lang"] == "sv"


async def test_a_volunteers_message_waits_for_the_page(service: Jourbot, page: Page) -> None:
    await page.start("sv")
    await service.outbox.drain()
    await page.news()
    async with service.units.begin() as unit:
        seeker = await unit.intake.find_seeker(Channel.WEBCHAT, page.chat)
        assert seeker is not None
    assert Channel.WEBCHAT.traits.reachable_later
    # The outbox keeps what it sends; the page reads it whenever it asks next.
    async with service.units.begin() as unit:
        await queue(unit, Recipient(Channel.WEBCHAT, page.chat, "sv"),
                    [Reply("Hej, det här är din stödperson.", literal=True)],
                    service.clock.now(), seeker_id=seeker)  # fmt: skip
    service.outbox.wake()
    await service.outbox.drain()
    (message,) = await page.news()
    assert message["text"] == "Hej, det här är din stödperson."


async def test_erasing_takes_everything_the_page_could_read(service: Jourbot, page: Page) -> None:
    await page.start("sv")
    await service.outbox.drain()
    await page.news()
    assert await page.say("/delete") == 204
    await service.outbox.drain()
    answer = await page.client.get("/chat/news", params={"after": 0}, headers={"X-Chat": page.chat})
    assert answer.status_code == 404  # gone, as if it never was
    assert await page.say("hello") == 404


async def test_malformed_or_unknown_chats_are_refused(page: Page) -> None:
    assert (await page.client.get("/chat/news", headers={"X-Chat": "x"})).status_code == 400
    made_up = "A" * 32
    answer = await page.client.get(
        "/chat/news", params={"after": 0, "wait": 0}, headers={"X-Chat": made_up}
    )
    assert answer.status_code == 404
    assert (
        await page.client.post("/chat/say", json={"chat": made_up, "text": "hi"})
    ).status_code == 404
    assert (await page.client.post("/chat/say", content=b"not json")).status_code == 400


async def test_a_waiting_page_is_woken_by_news(service: Jourbot, page: Page) -> None:
    await page.start("sv")
    await service.outbox.drain()
    await page.news()
    waiting = asyncio.create_task(page.news(wait=20))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # nothing yet: the page waits
    assert await page.say("/help") == 204
    await service.outbox.drain()
    async with asyncio.timeout(5):
        woken = await waiting
    assert woken  # the help, at once, not after the 20 seconds


async def test_a_volunteer_answers_a_web_seeker_as_any_other(service: Jourbot, page: Page) -> None:
    """A whole intake in the chat makes a case; the coordinator writes; the page reads it."""
    page.chat = new_chat()
    await through_service(service.intake, Channel.WEBCHAT, page.chat)
    await service.outbox.drain()
    told = "\n".join(str(m["text"]) for m in await page.news())
    async with service.units.begin() as unit:
        seeker = await unit.intake.find_seeker(Channel.WEBCHAT, page.chat)
        case = await unit.cases.case_of_seeker(seeker) if seeker else None
    assert case is not None and case.reference in told  # the seeker was told it
    async with service.units.begin() as unit:
        staff_id = await unit.staff.add(
            org_id="vasterort", role=StaffRole.COORDINATOR, name="Cora", telegram_id=9001,
            locale="en", now=service.clock.now(),
        )  # fmt: skip
        cora = await unit.staff.by_id(staff_id)
    await service.staff.relay(cora, case.reference, "Hej! Jag heter Cora.")
    await service.outbox.drain()
    (message,) = await page.news()
    assert "Hej! Jag heter Cora." in str(message["text"])


async def test_a_client_opening_chat_after_chat_is_told_to_wait(
    service: Jourbot, page: Page, clock: FakeClock
) -> None:
    for _ in range(10):
        assert (await page.client.post("/chat/start")).status_code == 200
    refused = await page.client.post("/chat/start")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    clock.advance(hours=1)
    assert (await page.client.post("/chat/start")).status_code == 200


async def test_a_flooded_chat_is_told_to_wait(service: Jourbot, page: Page) -> None:
    await page.start("sv")
    answers = [await page.say(f"message {n}") for n in range(31)]
    assert answers[:30] == [204] * 30
    assert answers[30] == 429


async def test_the_page_is_neutral_keeps_nothing_and_speaks_the_chosen_language(
    service: Jourbot, page: Page
) -> None:
    answer = await page.client.get("/chat", params={"lang": "ar"})
    assert answer.status_code == 200
    assert '<html lang="ar" dir="rtl">' in answer.text
    assert 'data-lang="ar"' in answer.text  # the page opens the chat in Arabic
    assert "<title>Väder</title>" in answer.text  # neutral, from [webchat] title
    assert 'data-exit="https://www.smhi.se/"' in answer.text
    headers = answer.headers
    assert "set-cookie" not in headers
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    default = await page.client.get("/chat", params={"lang": "xx"})
    assert '<html lang="sv" dir="ltr">' in default.text and 'data-lang=""' in default.text
    for asset in ("chat.js", "chat.css", "neutral.svg"):
        served = await page.client.get(f"/chat/static/{asset}")
        assert served.status_code == 200 and "set-cookie" not in served.headers
    script = (await page.client.get("/chat/static/chat.js")).text
    # The tab's own storage only: no localStorage, IndexedDB or cookie is ever touched.
    assert "localStorage." not in script and "indexedDB" not in script
    assert "location.replace" in script and "document.cookie" not in script


async def test_the_first_messages_say_how_to_clear_the_browsers_history(
    service: Jourbot, page: Page
) -> None:
    await page.start()
    await service.outbox.drain()
    await page.news()
    assert await page.press("lang", "sv") == 204
    await service.outbox.drain()
    told = "\n".join(str(m["text"]) for m in await page.news())
    assert "Rensa också webbläsarens historik" in told
    assert "håll fingret" not in told  # not the advice for a chat app on a phone
