"""SMS and WhatsApp through our Starlette app: signed webhooks in, a fake Twilio API out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import aiosqlite
import httpx
import pytest

from bot.app import Jourbot, build
from bot.config import Settings, TwilioSettings
from bot.domain.model import Channel
from bot.logs import configure_logging
from bot.web.twilio_forms import TWILIO_SIGNATURE
from tests.conftest import FakeClock
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, FakeTwilio, inbound, sign

PUBLIC_URL = "https://bot.example.org"
API_URL = "http://127.0.0.1:8099/twilio-mock"
SEEKER = "+46701234567"


@dataclass
class Harness:
    jourbot: Jourbot
    twilio: FakeTwilio
    client: httpx.AsyncClient

    async def post(
        self,
        path: str,
        form: dict[str, str],
        *,
        signed_url: str | None = None,
        token: str = AUTH_TOKEN,
    ) -> httpx.Response:
        url = signed_url or PUBLIC_URL + path
        headers = {TWILIO_SIGNATURE: sign(url, form, token)}
        response = await self.client.post(path, data=form, headers=headers)
        assert self.jourbot.texts is not None
        await self.jourbot.texts.drain()
        await self.jourbot.outbox.drain()
        return response

    async def text(self, body: str, sender: str = SEEKER, sid: str | None = None) -> list[str]:
        """Send an SMS as *sender* and return what the bot answered to it."""
        before = len(self.twilio.inbox(sender))
        response = await self.post("/twilio/sms", inbound(sender, body, sid))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/xml")
        assert "<Response></Response>" in response.text
        return self.twilio.inbox(sender)[before:]

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        async with aiosqlite.connect(self.jourbot.settings.db_path) as db, db.execute(sql) as c:
            return [tuple(r) for r in await c.fetchall()]


def sms_settings(settings: Settings) -> Settings:
    twilio = TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, OUR_NUMBER, None, API_URL)
    return replace(settings, twilio=twilio)


@asynccontextmanager
async def running(settings: Settings, clock: FakeClock) -> AsyncIterator[Harness]:
    fake = FakeTwilio()
    jourbot = await build(sms_settings(settings), clock=clock, http_transport=fake.transport())
    try:
        async with jourbot.web.router.lifespan_context(jourbot.web):
            transport = httpx.ASGITransport(app=jourbot.web)
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
                yield Harness(jourbot, fake, client)
    finally:
        await jourbot.close()


# A whole intake by SMS, answered by number as a person would; the same in every language.
INTAKE = [
    "Hej",
    "1",  # the suggested language (from the number's country) comes first
    "1",  # consent
    "1",  # it happened to me
    "3",  # 21 or older
    "Husby",
    "2",  # threats
    "1",  # violence in a close relationship
    "1 3",  # someone to talk to, information about the legal process
    "1",  # call me
    "1",  # use this number
    "3",  # evening
    "2",  # no voicemail
    "2",  # no SMS naming us
    "1",  # talk in the chat language
    "1",  # woman
    "Ring efter sex",
]


async def test_full_sms_intake_to_a_stored_case(settings: Settings, clock: FakeClock) -> None:
    """A Swedish number goes from "Hej" to a case, every answer by SMS, every reply GSM-7."""
    async with running(settings, clock) as h:
        replies = [await h.text(body) for body in INTAKE]
        assert all(len(r) == 1 for r in replies), "one SMS per turn"
        assert replies[0][0].startswith("Vilket språk vill du skriva på?\n1 Svenska\n2 English")
        ((reference, org, channel, contact),) = await h.rows(
            "SELECT reference, org_id, channel, contact FROM cases"
        )
        assert (org, channel, contact) == ("vasterort", "sms", "call")
        assert f"Ditt ärendenummer är {reference}." in replies[-1][0]
        assert "RADERA" in replies[-1][0]
        assert await h.rows("SELECT phone, notes FROM case_contacts") == [
            (SEEKER, "Ring efter sex")
        ]
        encodings = await h.rows("SELECT DISTINCT encoding, status FROM outbound_messages")
        assert encodings == [("gsm7", "queued")]
        sent = h.twilio.sent[0]
        assert sent.url == f"{API_URL}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        assert (sent.sender, sent.status_callback) == (OUR_NUMBER, f"{PUBLIC_URL}/twilio/status")


@pytest.mark.parametrize(
    ("how", "signed_url", "token"),
    [
        ("unsigned", None, None),
        ("wrong token", None, "another-auth-token"),
        ("another URL", "https://evil.example.org/twilio/sms", AUTH_TOKEN),
        ("another path", f"{PUBLIC_URL}/twilio/status", AUTH_TOKEN),
    ],
)
async def test_unsigned_or_missigned_requests_are_refused(
    settings: Settings, clock: FakeClock, how: str, signed_url: str | None, token: str | None
) -> None:
    """A request not signed by Twilio for our URL gets 403 and changes nothing."""
    async with running(settings, clock) as h:
        form = inbound(SEEKER, "Hej")
        if token is None:
            response = await h.client.post("/twilio/sms", data=form)
        else:
            response = await h.post("/twilio/sms", form, signed_url=signed_url, token=token)
        assert response.status_code == 403, how
        assert h.twilio.sent == []
        for table in ("seekers", "conversations", "inbound_messages"):
            assert await h.rows(f"SELECT * FROM {table}") == []


async def test_tampered_body_is_refused(settings: Settings, clock: FakeClock) -> None:
    """Changing one field after signing breaks the signature."""
    async with running(settings, clock) as h:
        form = inbound(SEEKER, "Hej")
        headers = {TWILIO_SIGNATURE: sign(PUBLIC_URL + "/twilio/sms", form)}
        response = await h.client.post(
            "/twilio/sms", data={**form, "Body": "STOP"}, headers=headers
        )
        assert response.status_code == 403


async def test_replayed_message_changes_nothing(settings: Settings, clock: FakeClock) -> None:
    """Twilio retrying the same MessageSid gets no second turn and no second answer."""
    async with running(settings, clock) as h:
        await h.text("Hej", sid="SMreplay0001")
        first = await h.text("1", sid="SMreplay0002")
        state = await h.rows("SELECT state FROM conversations")
        assert await h.text("1", sid="SMreplay0002") == []
        assert await h.rows("SELECT state FROM conversations") == state
        assert len(first) == 1


async def test_stop_opts_out_and_start_opts_in(settings: Settings, clock: FakeClock) -> None:
    """STOP: nothing is ever sent again, not even a reply; START: back to the beginning."""
    async with running(settings, clock) as h:
        await h.text("Hej")
        await h.text("1")
        assert await h.text("Stop.") == []
        ((opted_out,),) = await h.rows("SELECT opted_out_at FROM seekers")
        assert opted_out is not None
        assert await h.text("Hej igen") == []
        assert await h.text("1") == []
        assert await h.rows("SELECT outcome FROM intake_outcomes") == [("stopped",)]
        (welcome,) = await h.text("START")
        assert welcome.startswith("Vilket språk")
        assert await h.rows("SELECT opted_out_at FROM seekers") == [(None,)]


async def test_stop_from_an_unknown_number_is_remembered(
    settings: Settings, clock: FakeClock
) -> None:
    """Even a first message STOP is honoured for the future."""
    async with running(settings, clock) as h:
        assert await h.text("UNSUBSCRIBE") == []
        assert await h.text("Hej") == []
        assert len(await h.rows("SELECT opted_out_at FROM seekers")) == 1


@pytest.mark.parametrize("word", ["HELP", "hjälp", "Hjälp!"])
async def test_help_in_swedish_and_english(settings: Settings, clock: FakeClock, word: str) -> None:
    """HELP works in the seeker's language and in English, any case or punctuation."""
    async with running(settings, clock) as h:
        await h.text("Hej")
        await h.text("1")
        (reply,) = await h.text(word)
        assert "RADERA" in reply
        assert "SPRÅK" in reply
        assert "Får vi spara det du berättar" in reply  # the question again


@pytest.mark.parametrize("word", ["INFO", "info"])
async def test_information_by_sms(settings: Settings, clock: FakeClock, word: str) -> None:
    """INFO lists the topics by number; a number shows one, with the configured numbers;
    its "2" goes back to the question the seeker was at."""
    async with running(settings, clock) as h:
        await h.text("Hej")
        (consent,) = await h.text("1")
        (menu,) = await h.text(word)
        assert menu.startswith("Information medan du väntar. Välj ett ämne:\n1 Efter en polisanm")
        assert menu.endswith("\n7 Tillbaka")
        (topic,) = await h.text("5")
        assert "020-50 50 50" in topic and "116 111" in topic and "{" not in topic
        assert topic.endswith("\n1 Andra ämnen\n2 Tillbaka")
        (back,) = await h.text("2")
        assert back == consent.split("\n\n")[-1]  # the consent question, as it was asked


@pytest.mark.parametrize("word", ["RADERA", "delete"])
async def test_erase_keyword(settings: Settings, clock: FakeClock, word: str) -> None:
    """The erase keyword in Swedish or English erases at once."""
    async with running(settings, clock) as h:
        for body in INTAKE:
            await h.text(body)
        (reply,) = await h.text(word)
        assert "raderat" in reply
        assert await h.rows("SELECT * FROM case_contacts") == []
        assert await h.rows("SELECT seeker_id, status FROM cases") == [(None, "erased")]


async def test_carrier_opt_out_error_marks_the_number(settings: Settings, clock: FakeClock) -> None:
    """Twilio's 21610 means the number opted out: recorded, and never sent to again."""
    async with running(settings, clock) as h:
        h.twilio.errors[SEEKER] = (400, 21610)
        assert await h.text("Hej") == []
        ((opted_out,),) = await h.rows("SELECT opted_out_at FROM seekers")
        assert opted_out is not None
        assert await h.rows("SELECT status, error_code FROM outbound_messages") == [
            ("failed", 21610)
        ]
        del h.twilio.errors[SEEKER]
        assert await h.text("1") == []


async def test_status_callbacks_update_delivery(settings: Settings, clock: FakeClock) -> None:
    """Signed callbacks move a message forward; a late one never moves it back."""
    async with running(settings, clock) as h:
        await h.text("Hej")
        ((sid,),) = await h.rows("SELECT provider_id FROM outbound_messages")
        status = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "MessageStatus": "delivered"}
        assert (await h.post("/twilio/status", status)).status_code == 204
        late = {**status, "MessageStatus": "sent"}
        assert (await h.post("/twilio/status", late)).status_code == 204
        assert await h.rows("SELECT status FROM outbound_messages") == [("delivered",)]
        forged = {**status, "MessageStatus": "failed"}
        response = await h.client.post("/twilio/status", data=forged)
        assert response.status_code == 403
        assert await h.rows("SELECT status FROM outbound_messages") == [("delivered",)]


async def test_late_opt_out_error_in_a_status_callback(
    settings: Settings, clock: FakeClock
) -> None:
    """An undelivered callback with 21610 opts the recipient out too."""
    async with running(settings, clock) as h:
        await h.text("Hej")
        ((sid,),) = await h.rows("SELECT provider_id FROM outbound_messages")
        status = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "21610"}
        await h.post("/twilio/status", status)
        assert await h.rows("SELECT status, error_code FROM outbound_messages") == [
            ("undelivered", 21610)
        ]
        assert await h.text("1") == []


async def test_whatsapp_uses_the_same_dialogue(settings: Settings, clock: FakeClock) -> None:
    """A whatsapp: sender gets the same intake back over WhatsApp."""
    sender = "whatsapp:" + SEEKER
    async with running(settings, clock) as h:
        (welcome,) = await h.text("Hej", sender=sender)
        assert welcome.startswith("Vilket språk")
        assert h.twilio.sent[-1].sender == "whatsapp:" + OUR_NUMBER
        await h.text("2", sender=sender)
        assert await h.rows("SELECT channel, address FROM seekers") == [("whatsapp", sender)]
        assert await h.rows("SELECT DISTINCT encoding FROM outbound_messages") == [(None,)]


async def test_language_suggested_from_the_country_code(
    settings: Settings, clock: FakeClock
) -> None:
    """A British number is greeted in English first; the short list stays GSM-7."""
    async with running(settings, clock) as h:
        (welcome,) = await h.text("Hello", sender="+447700900123")
        assert welcome.startswith("Which language do you want to write in?\n1 English\n2 Svenska")
        assert await h.rows("SELECT encoding, segments FROM outbound_messages") == [("gsm7", 1)]


async def test_sms_logs_carry_no_personal_data(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A full SMS intake logs no phone number and no message text."""
    configure_logging(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    async with running(settings, clock) as h:
        for body in INTAKE:
            await h.text(body)
        await h.text("STOP")
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "intake.case_created" in logged
    for secret in (SEEKER, SEEKER[1:], "701234567", "Husby", "Ring efter", AUTH_TOKEN):
        assert secret not in logged


# Upper bound on the SMS segments of one whole intake (INTAKE), per language. Stated in the
# README; lower it when prompts get shorter, never raise it to make a test pass. (Raised once
# by 1 or 2 on purpose: the closing now tells the seeker to write INFO to read while they wait.)
SEGMENT_BUDGET = {
    # GSM-7 (160 characters a segment)
    "sv": 23, "en": 23, "fi": 26, "so": 28,
    # UCS-2 (70): scripts, or Latin letters GSM-7 lacks (á, ł, ş, ê, ...). The review's fixes
    # (issue 23: a partner option naming spouse, partner and ex-partner, one honest word for
    # the support person, Syriac addressing any gender) cost a segment or three in some.
    "fr": 36, "am": 41, "ti": 42, "syr": 47, "ar": 48, "th": 48, "ps": 50, "fa": 51,
    "es": 51, "bs": 53, "tr": 52, "fa_AF": 53, "pl": 53, "ru": 54, "uk": 53, "ckb": 56,
    "ku": 56,
}  # fmt: skip


def shipped_locales() -> list[str]:
    from bot.i18n import default_locales_dir

    return sorted(
        p.parent.parent.name for p in default_locales_dir().glob("*/LC_MESSAGES/messages.po")
    )


@pytest.mark.parametrize("locale", shipped_locales())
async def test_segments_of_a_whole_intake(
    settings: Settings, clock: FakeClock, locale: str
) -> None:
    """A full intake by SMS stays within its segment budget in every shipped language."""
    script = [INTAKE[0], locale, *INTAKE[2:]]
    async with running(settings, clock) as h:
        for body in script:
            assert len(await h.text(body)) == 1
        assert len(await h.rows("SELECT id FROM cases")) == 1
        ((total, messages, encodings),) = await h.rows(
            "SELECT SUM(segments), COUNT(*), GROUP_CONCAT(DISTINCT encoding) FROM outbound_messages"
        )
    print(f"{locale}: {total} segments in {messages} messages ({encodings})")
    assert locale in SEGMENT_BUDGET, f"measure {locale} and add its budget"
    assert total <= SEGMENT_BUDGET[locale]


async def test_arabic_number_keywords_and_digits(settings: Settings, clock: FakeClock) -> None:
    """An Iraqi number is greeted in Arabic; Arabic-Indic digits and keywords work."""
    iraqi = "+9647701234567"
    async with running(settings, clock) as h:
        (welcome,) = await h.text("مرحبا", sender=iraqi)
        assert welcome.splitlines()[1:4] == ["1 العربية", "\u200f2 Svenska", "\u200f3 English"]
        (intro,) = await h.text("١", sender=iraqi)
        assert "Brottsofferjouren" in intro
        (help_text,) = await h.text("مساعده", sender=iraqi)  # a common spelling of مساعدة
        assert "حذف" in help_text
        assert await h.rows("SELECT DISTINCT encoding FROM outbound_messages") == [("ucs2",)]


async def test_a_text_kept_before_a_crash_is_handled_after_restart(
    settings: Settings, clock: FakeClock
) -> None:
    """Twilio heard "received" only after the text was stored; a restart answers it."""
    async with running(settings, clock) as h:
        await h.jourbot.intake.keep_text(Channel.SMS, "SMcrash0001", SEEKER, "Hej")
        # ...and the process dies before handling it.
    async with running(settings, clock) as h:
        assert h.jourbot.texts is not None
        await h.jourbot.texts.drain()
        await h.jourbot.outbox.drain()
        (welcome,) = h.twilio.inbox(SEEKER)
        assert welcome.startswith("Vilket språk")
        assert await h.rows("SELECT COUNT(*) FROM inbox") == [(0,)]
        assert await h.text("1", sid="SMcrash0001") == []  # Twilio's retry changes nothing
