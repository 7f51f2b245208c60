"""What arrives at the edge malformed, oversized, forged or out of place is refused there."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.cases import StaffRole
from bot.logs import configure_logging
from bot.web.twilio_forms import TWILIO_SIGNATURE
from bot.web.webhooks import SECRET_HEADER
from tests.conftest import FakeClock
from tests.integration.test_staff_flow import (
    COORDINATOR,
    PUBLIC_URL,
    SECRET,
    SEEKER_CHAT,
    World,
    answer_seeker,
    running,
)
from tests.telegram_fakes import Person
from tests.twilio_fakes import inbound, sign

HEADERS = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}


async def post_update(w: World, body: bytes | str) -> int:
    response = await w.client.post("/telegram", content=body, headers=HEADERS)
    assert w.jourbot.telegram is not None
    await w.jourbot.telegram.update_queue.join()
    await w.jourbot.outbox.drain()
    return response.status_code


async def stored(w: World, table: str) -> int:
    ((count,),) = await w.rows(f"SELECT COUNT(*) FROM {table}")
    return int(count)


async def test_malformed_updates_get_400(settings: Settings, clock: FakeClock) -> None:
    """A date past any calendar, JSON nested thousands deep and text ids are the sender's error."""
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock) as w:
        far_future = seeker.message("/start")
        far_future["message"]["date"] = 1e20
        assert await post_update(w, json.dumps(far_future)) == 400
        assert await post_update(w, "[" * 5000 + "]" * 5000) == 400
        assert await post_update(w, '{"update_id": 1, "message": ' * 2000) == 400
        text_chat = seeker.message("/start")
        text_chat["message"]["chat"]["id"] = "abc"
        assert await post_update(w, json.dumps(text_chat)) == 400
        text_user = seeker.message("/start")
        text_user["message"]["from"]["id"] = "abc"
        assert await post_update(w, json.dumps(text_user)) == 400
        assert await post_update(w, "not json") == 400
        assert await post_update(w, "42") == 400
        assert w.api.sent(SEEKER_CHAT) == []
        assert await stored(w, "seekers") == 0
        assert await stored(w, "outbox") == 0


async def test_an_oversized_update_is_refused_unread(settings: Settings, clock: FakeClock) -> None:
    """Past 1 MiB an update is answered 413, whether its length is declared or streamed."""
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock) as w:
        update = seeker.message("/start")
        update["message"]["text"] = "/start " + "x" * (1024 * 1024)
        assert await post_update(w, json.dumps(update)) == 413

        async def chunks() -> Any:
            for _ in range(40):
                yield b" " * 65536

        response = await w.client.post("/telegram", content=chunks(), headers=HEADERS)
        assert response.status_code == 413
        assert w.api.sent(SEEKER_CHAT) == []


async def test_an_edited_message_is_not_a_new_turn(settings: Settings, clock: FakeClock) -> None:
    """Editing an earlier message changes nothing and gets no answer."""
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock) as w:
        await post_update(w, json.dumps(seeker.message("/start")))
        before = len(w.api.sent(SEEKER_CHAT))
        edit = seeker.message("Tensta")
        edit["edited_message"] = edit.pop("message")
        edit["edited_message"]["edit_date"] = 1_764_000_100
        assert await post_update(w, json.dumps(edit)) == 200
        assert len(w.api.sent(SEEKER_CHAT)) == before


@pytest.mark.parametrize("command", ["/menu", "/hjälp", "/ayuda", "/unknown"])
async def test_unknown_commands_get_help_and_the_question(
    settings: Settings, clock: FakeClock, command: str
) -> None:
    """In a fresh chat the help comes; mid-intake the help and the open question again."""
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock) as w:
        assert await post_update(w, json.dumps(seeker.message(command))) == 200
        (fresh,) = [m["text"] for m in w.api.sent(SEEKER_CHAT)]
        assert "/delete" in fresh and "112" in fresh

        await post_update(w, json.dumps(seeker.message("/start")))
        for value in ("sv", "yes"):
            await w.press(seeker, f":{value}")
        asked = w.last(SEEKER_CHAT)
        before = len(w.api.sent(SEEKER_CHAT))
        assert await post_update(w, json.dumps(seeker.message(command))) == 200
        help_text, again = [m["text"] for m in w.api.sent(SEEKER_CHAT)[before:]]
        assert "/delete" in help_text and "/language" in help_text  # Swedish help
        assert "för att radera" in help_text
        assert again == asked


async def test_a_staff_member_gets_the_staff_help_for_an_unknown_command(
    settings: Settings, clock: FakeClock
) -> None:
    coordinator = Person(COORDINATOR, "en")
    async with running(settings, clock) as w:
        invite = await w.jourbot.staff.create_invite("vasterort", StaffRole.COORDINATOR)
        await post_update(w, json.dumps(coordinator.message(f"/join {invite.code}")))
        await post_update(w, json.dumps(coordinator.message("/menu")))
        assert w.last(COORDINATOR).startswith("Staff commands:")


async def test_a_button_pressed_by_someone_else_changes_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    """A callback from user A on a message in B's chat never runs B's conversation."""
    seeker, other = Person(SEEKER_CHAT, "sv"), Person(SEEKER_CHAT + 1, "sv")
    async with running(settings, clock) as w:
        await post_update(w, json.dumps(seeker.message("/start")))
        before = len(w.api.sent(SEEKER_CHAT))
        forged = other.press("language:sv", int(w.api.sent(SEEKER_CHAT)[-1]["message_id"]))
        forged["callback_query"]["message"]["chat"]["id"] = SEEKER_CHAT
        assert await post_update(w, json.dumps(forged)) == 200
        assert len(w.api.sent(SEEKER_CHAT)) == before
        assert w.api.sent(SEEKER_CHAT + 1) == []
        # The seeker's own press still works: the conversation is where it was.
        await w.press(seeker, ":sv")
        assert "samtycke" in w.last(SEEKER_CHAT) or "spara" in w.last(SEEKER_CHAT)


async def test_a_seeker_who_became_staff_can_still_erase(
    settings: Settings, clock: FakeClock
) -> None:
    """/delete from a staff member erases what they told us as a seeker, and nothing else."""
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock) as w:
        await post_update(w, json.dumps(seeker.message("/start")))
        await answer_seeker(w, seeker)
        assert await stored(w, "seekers") == 1
        invite = await w.jourbot.staff.create_invite("vasterort", StaffRole.VOLUNTEER)
        await post_update(w, json.dumps(seeker.message(f"/join {invite.code}")))
        assert "registered as" in w.last(SEEKER_CHAT) or "registrerad" in w.last(SEEKER_CHAT)

        await post_update(w, json.dumps(seeker.message("/delete")))
        assert "raderat" in w.last(SEEKER_CHAT)
        assert await stored(w, "seekers") == 0
        assert await w.rows("SELECT status FROM cases") == [("erased",)]
        assert await w.jourbot.staff.identify(SEEKER_CHAT) is not None  # still staff
        # A second /delete, with no seeker data left, is the staff help: nothing to erase.
        await post_update(w, json.dumps(seeker.message("/delete")))
        assert w.last(SEEKER_CHAT).startswith(("Staff commands:", "Kommandon"))


async def post_form(w: World, path: str, form: dict[str, str], **kwargs: Any) -> int:
    headers = {TWILIO_SIGNATURE: sign(PUBLIC_URL + path, form), **kwargs.pop("headers", {})}
    response = await w.client.post(path, data=form, headers=headers, **kwargs)
    assert w.jourbot.texts is not None
    await w.jourbot.texts.drain()
    return response.status_code


@pytest.mark.parametrize("sender", ["abc", "client:alice", "+0000000", "", "whatsapp:abc"])
async def test_a_sender_that_is_no_phone_number_leaves_nothing(
    settings: Settings, clock: FakeClock, sender: str
) -> None:
    """Twilio hears "received"; nothing is stored and nothing is sent."""
    async with running(settings, clock) as w:
        assert await post_form(w, "/twilio/sms", inbound(sender, "Hej")) == 200
        await w.jourbot.outbox.drain()
        assert await stored(w, "seekers") == 0
        assert await stored(w, "inbox") == 0
        assert await stored(w, "outbox") == 0
        assert w.twilio.sent == []


async def test_twilio_webhooks_refuse_multipart_and_oversized_bodies(
    settings: Settings, clock: FakeClock
) -> None:
    """Only small url-encoded forms are read; an upload is refused before its signature."""
    async with running(settings, clock) as w:
        form = inbound("+46701234567", "Hej")
        for path in ("/twilio/sms", "/twilio/status"):
            files = {"upload": ("big.bin", b"\0" * 100_000, "application/octet-stream")}
            signed = {TWILIO_SIGNATURE: sign(PUBLIC_URL + path, form)}
            response = await w.client.post(path, data=form, files=files, headers=signed)
            assert response.status_code in (413, 415)
            small = await w.client.post(
                path, data=form, files={"f": ("a", b"x", "text/plain")}, headers=signed
            )
            assert small.status_code == 415
            big = dict(form, Body="x" * 70_000)
            assert await post_form(w, path, big) == 413
        assert await stored(w, "inbox") == 0
        assert w.twilio.sent == []


async def test_a_carrier_opt_out_for_a_message_we_never_sent_is_not_logged(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging()
    caplog.set_level(logging.INFO)
    async with running(settings, clock) as w:
        status = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "failed", "ErrorCode": "21610"}
        assert await post_form(w, "/twilio/status", status) == 204
    assert "sms.opted_out_by_carrier" not in caplog.text
