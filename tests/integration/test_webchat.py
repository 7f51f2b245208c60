"""The web chat over HTTP: a seeker opens a chat, answers, reads what the service says (long
polling and Server-Sent Events); a volunteer's message waits for them; quick exit ends the
page's pass; a seeker with a case comes back with its reference and a code; erasing takes
everything the page could read."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from bot.app import Jourbot, build
from bot.channels.webchat import pass_hash
from bot.config import Settings
from bot.config_file import WebChatSettings
from bot.domain.cases import Staff, StaffRole
from bot.domain.dialogue import Reply
from bot.domain.model import Channel
from bot.ports import Recipient
from bot.services.outbox import queue
from bot.web.challenge import solves
from tests.conftest import FakeClock
from tests.intake_script import CHAT_INTAKE, TYPED
from tests.loopback import loopback_socket, serving

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

    async def start_solving(self) -> None:
        """Start as the page does under load: solve the puzzle it is handed first."""
        asked = await self.client.post("/chat/start", json={})
        assert asked.status_code == 428
        challenge, bits = asked.json()["challenge"], asked.json()["bits"]
        answer = next(str(n) for n in range(1_000_000) if solves(challenge, str(n), bits))
        solved = await self.client.post(
            "/chat/start", json={"challenge": challenge, "answer": answer}
        )
        assert solved.status_code == 200
        self.chat = solved.json()["chat"]

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

    async def intake(self, service: Jourbot) -> str:
        """Answer the whole intake (asking to be written to here); return all it was told."""
        await self.start()
        for step, value in CHAT_INTAKE:
            said = await (self.say(value) if step in TYPED else self.press(step, value))
            assert said == 204, (step, said)
        await service.outbox.drain()
        told = []
        while new := await self.news():
            told += [str(m["text"]) for m in new]
        return "\n".join(told)

    async def seeker(self, service: Jourbot) -> int:
        """The seeker this page's pass speaks for."""
        async with service.units.begin() as unit:
            held = await unit.webchat.holder(pass_hash(self.chat))
        assert held is not None
        return held.seeker_id

    async def address(self, service: Jourbot) -> str:
        """The chat's address, which only the service knows."""
        async with service.units.begin() as unit:
            held = await unit.webchat.holder(pass_hash(self.chat))
        assert held is not None
        return held.address


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
    seeker, address = await page.seeker(service), await page.address(service)
    assert address != page.chat  # the page holds a pass, not the chat's address
    assert Channel.WEBCHAT.traits.reachable_later
    # The outbox keeps what it sends; the page reads it whenever it asks next.
    async with service.units.begin() as unit:
        await queue(unit, Recipient(Channel.WEBCHAT, address, "sv"),
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
    told = await page.intake(service)
    seeker = await page.seeker(service)
    async with service.units.begin() as unit:
        case = await unit.cases.case_of_seeker(seeker)
    assert case is not None and case.reference in told  # the seeker was told it
    cora = await coordinator(service)
    await service.staff.relay(cora, case.reference, "Hej! Jag heter Cora.")
    await service.outbox.drain()
    (message,) = await page.news()
    assert "Hej! Jag heter Cora." in str(message["text"])


async def coordinator(service: Jourbot) -> Staff:
    async with service.units.begin() as unit:
        staff_id = await unit.staff.add(
            org_id="vasterort", role=StaffRole.COORDINATOR, name="Cora", telegram_id=9001,
            locale="en", now=service.clock.now(),
        )  # fmt: skip
        cora = await unit.staff.by_id(staff_id)
    assert cora is not None
    return cora


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


CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b")


async def case_and_code(service: Jourbot, page: Page) -> tuple[str, str]:
    """Run the intake in *page*; return the case reference and the code it was given."""
    told = await page.intake(service)
    seeker = await page.seeker(service)
    async with service.units.begin() as unit:
        case = await unit.cases.case_of_seeker(seeker)
    assert case is not None
    found = CODE.search(told)
    assert found is not None, told
    return case.reference, found.group(0)


def values(message: dict[str, object]) -> list[str]:
    """The values of a message's buttons."""
    options = message["options"]
    assert isinstance(options, list)
    return [str(option["value"]) for option in options]


async def come_back(page: Page, reference: str, code: str) -> httpx.Response:
    answer = await page.client.post("/chat/return", json={"reference": reference, "code": code})
    if answer.status_code == 200:
        page.chat, page.seen, page.messages = answer.json()["chat"], 0, []
    return answer


async def test_a_seeker_leaves_and_comes_back_from_another_browser_to_their_volunteer(
    service: Jourbot, page: Page
) -> None:
    reference, code = await case_and_code(service, page)
    assert reference in "\n".join(str(m["text"]) for m in page.messages)
    given = page.messages[-1]  # the code comes last, with a way to change or drop it
    assert given["step"] == "way-back"
    assert values(given) == ["renew", "drop"]
    async with service.units.begin() as unit:
        kept = await unit.webchat.return_to(reference)
    assert kept is not None and kept[1].startswith("scrypt$")
    assert code.replace("-", "") not in kept[1] and code not in kept[1]  # only its hash

    old = page.chat
    closed = await page.client.post("/chat/close", json={"chat": old, "seen": page.seen})
    assert closed.status_code == 204  # quick exit
    gone = await page.client.get("/chat/news", params={"after": 0}, headers={"X-Chat": old})
    assert gone.status_code == 404  # the pass is over: nothing more can be read with it

    cora = await coordinator(service)
    await service.staff.relay(cora, reference, "Hej! Jag heter Cora.")
    await service.outbox.drain()

    transport = httpx.ASGITransport(app=service.web, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as other_client:
        elsewhere = Page(other_client)
        answer = await come_back(elsewhere, reference.lower(), code.replace("-", " "))
        assert answer.status_code == 200  # typed in lower case, with a space: the same
        (message,) = await elsewhere.news()  # only what the seeker has not seen yet
        assert "Hej! Jag heter Cora." in str(message["text"])
        assert await elsewhere.say("Tack, ring mig gärna") == 204
    async with service.units.begin() as unit:
        case = await unit.cases.by_reference(reference)
        assert case is not None
        messages = await unit.cases.messages(case.id)
    assert [m.body for m in messages if m.from_seeker][-1] == "Tack, ring mig gärna"


async def test_wrong_codes_are_throttled_per_case_and_per_client(
    service: Jourbot, page: Page, clock: FakeClock
) -> None:
    reference, code = await case_and_code(service, page)
    wrong = "2222-2222" if code != "2222-2222" else "3333-3333"
    answers = [(await come_back(Page(page.client), reference, wrong)).status_code for _ in range(5)]
    assert answers == [403, 403, 403, 403, 429]
    # Now even the right code waits, from anywhere: the case is locked for the hour.
    transport = httpx.ASGITransport(app=service.web, client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as other:
        assert (await come_back(Page(other), reference, code)).status_code == 429
        # A client guessing at many cases is locked too, whatever reference it names.
        guesses = [
            (await come_back(Page(other), f"ABC-DE{c}", wrong)).status_code for c in "2345678ABC"
        ]
        assert guesses == [403] * 9 + [429]  # ten wrong tries from one client
    clock.advance(hours=1, minutes=1)
    assert (await come_back(Page(page.client), reference, code)).status_code == 200
    assert (await come_back(Page(page.client), "not a reference", code)).status_code == 403


async def test_the_code_can_be_changed_or_dropped(service: Jourbot, page: Page) -> None:
    reference, first = await case_and_code(service, page)
    assert await page.press("way-back", "renew") == 204
    await service.outbox.drain()
    (renewed,) = await page.news()
    found = CODE.search(str(renewed["text"]))
    assert found is not None and found.group(0) != first
    assert await page.news() == []  # as a page does: asks again, which says it showed it
    other = Page(page.client)
    assert (await come_back(other, reference, first)).status_code == 403  # the old one is gone
    assert (await come_back(other, reference, found.group(0))).status_code == 200
    first_page = await page.client.get(
        "/chat/news", params={"after": 0}, headers={"X-Chat": page.chat}
    )
    assert first_page.status_code == 404  # coming back elsewhere ended the other page's pass
    assert await other.press("way-back", "drop") == 204
    await service.outbox.drain()
    (dropped,) = await other.news()
    assert CODE.search(str(dropped["text"])) is None
    assert values(dropped) == ["renew"]
    assert (await come_back(Page(page.client), reference, found.group(0))).status_code == 403


async def test_quick_exit_in_the_middle_of_an_intake_forgets_it(
    service: Jourbot, page: Page
) -> None:
    await page.start("sv")
    assert await page.press("lang", "sv") == 204
    assert await page.press("consent", "yes") == 204
    await service.outbox.drain()
    seeker = await page.seeker(service)
    closed = await page.client.post("/chat/close", json={"chat": page.chat, "seen": 0})
    assert closed.status_code == 204
    async with service.units.begin() as unit:
        assert await unit.intake.load_conversation(seeker) is None
        assert await unit.webchat.since(seeker, 0, 10) == []
    again = await page.client.post("/chat/close", json={"chat": page.chat, "seen": 0})
    assert again.status_code == 204  # the same answer, whether there was a pass or not


async def test_replies_arrive_as_server_sent_events(service: Jourbot) -> None:
    # A stream is read as it comes only from a real server: uvicorn on loopback.
    listening = loopback_socket()
    async with serving(service.web, listening) as base, httpx.AsyncClient(base_url=base) as client:
        await stream_events(service, Page(client))
    listening.close()


async def stream_events(service: Jourbot, page: Page) -> None:
    await page.start("sv")
    await service.outbox.drain()
    events: list[str] = []
    async with page.client.stream(
        "GET", "/chat/events", params={"after": 0}, headers={"X-Chat": page.chat}
    ) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        assert answer.headers["cache-control"] == "no-store"
        lines = answer.aiter_lines()

        async def event() -> dict[str, object]:
            async with asyncio.timeout(5):
                async for line in lines:
                    events.append(line)
                    if line.startswith("data: "):
                        return dict(json.loads(line[6:]))
            raise AssertionError(events)

        greeting = await event()
        assert greeting["step"] == "lang"
        assert f"id: {greeting['n']}" in events
        assert await page.press("lang", "sv") == 204
        await service.outbox.drain()
        assert (await event())["lang"] == "sv"  # pushed at once, on the open stream
        await page.client.post("/chat/close", json={"chat": page.chat, "seen": 0})
        async with asyncio.timeout(5):
            async for line in lines:
                events.append(line)
        assert "event: gone" in events  # the pass ended: the stream says so and ends


async def test_under_load_a_new_chat_solves_a_puzzle_and_when_full_waits(
    settings: Settings, clock: FakeClock
) -> None:
    chat = WebChatSettings(open_chats_at_most=2, challenge_from=1, challenge_bits=8)
    jourbot = await build(replace(settings, webchat=chat), clock=clock, run_scheduler=False)
    transport = httpx.ASGITransport(app=jourbot.web)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            first = Page(client)
            await first.start("sv")  # no one else: no puzzle
            waiting = [asyncio.create_task(first.news(wait=20))]
            await asyncio.sleep(0.05)
            asked = await client.post("/chat/start", json={})
            assert asked.status_code == 428
            challenge, bits = asked.json()["challenge"], asked.json()["bits"]
            assert bits == 8
            answer = next(str(n) for n in range(100_000) if solves(challenge, str(n), bits))
            solved = {"challenge": challenge, "answer": answer}
            assert (await client.post("/chat/start", json=solved)).status_code == 200
            assert (await client.post("/chat/start", json=solved)).status_code == 428  # once
            second = Page(client)
            await second.start_solving()
            waiting.append(asyncio.create_task(second.news(wait=20)))
            await asyncio.sleep(0.05)
            full = await client.post("/chat/start", json=solved)
            assert full.status_code == 503 and int(full.headers["retry-after"]) > 0
            for task in waiting:
                task.cancel()
    finally:
        await jourbot.close()


async def test_the_widget_and_the_sites_that_may_frame_the_chat(
    settings: Settings, clock: FakeClock
) -> None:
    site = "https://www.brottsofferjour.example"
    chat = WebChatSettings(embed_on=(site,))
    jourbot = await build(replace(settings, webchat=chat), clock=clock, run_scheduler=False)
    transport = httpx.ASGITransport(app=jourbot.web)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            page = await client.get("/chat")
            assert f"frame-ancestors {site}" in page.headers["content-security-policy"]
            assert "x-frame-options" not in page.headers  # the CSP names the site instead
            other = await client.get("/chat/static/chat.js")
            assert "frame-ancestors 'none'" in other.headers["content-security-policy"]
            widget = await client.get("/chat/widget.js", params={"lang": "ar"})
            assert widget.headers["content-type"].startswith("text/javascript")
            tr = jourbot.catalogs.translator("ar")
            assert json.dumps(tr.gettext("Chat with us")) in widget.text
            origin = settings.desk.public_url.rstrip("/")
            assert json.dumps(origin) in widget.text
            assert '"rtl"' in widget.text
            assert json.dumps(f"{origin}/chat?lang=ar") in widget.text
    finally:
        await jourbot.close()
    plain = await build(settings, clock=clock, run_scheduler=False)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=plain.web), base_url=BASE
        ) as client:
            page = await client.get("/chat")
            assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
            assert page.headers["x-frame-options"] == "DENY"
    finally:
        await plain.close()
