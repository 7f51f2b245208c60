"""Whatever a person sends, at whatever step: no crash, and a state that stays whole."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import load_settings
from bot.domain.conversation import IntakeContext, IntakeState, Language
from bot.domain.dialogue import Command, CommandName, Inbound, Pick, Text
from bot.domain.information import INFO_STEP
from bot.domain.intake import CaseSubmitted, advance
from bot.domain.model import Channel
from bot.domain.questions import Step
from bot.i18n import default_locales_dir, load_information
from bot.services.intake import IntakeService
from bot.storage.database import Database
from bot.storage.state_codec import decode, encode
from bot.storage.units import Units

PARTNERSHIP = load_settings({}).partnership
NOW = datetime(2026, 11, 24, 13, tzinfo=UTC)
LANGUAGES = (Language("sv", "Svenska"), Language("en", "English"), Language("ar", "العربية"))
STEPS = [step.value for step in Step] + [INFO_STEP]
INFORMATION = load_information(default_locales_dir(), [lang.code for lang in LANGUAGES])
VALUES = ["yes", "no", "skip", "done", "more", "other", "this", "chat", "outside", "bromma",
          "victim", "21_plus", "under_18", "call", "sms", "email", "meet", "talk", "sv", "ar",
          "hate", "evening", "woman", "1", "", ":", "x" * 70, "back", "menu", "counsel",
          "open_evening"]  # fmt: skip

texts = st.one_of(
    st.text(max_size=50),
    st.builds(lambda piece, n: (piece * n)[:10_000], st.text(min_size=1, max_size=20),
              st.integers(500, 10_000)),  # long texts, up to 10 kB
    st.sampled_from(
        ["", " ", "\u200f", "\u202e1\u202c", "\x00", "\n\n", "😀" * 40, "٣", "1 2 3 99", "STOP",
         "070-123 45 67", "+4670123456789012345", "Tensta", "\u2068x\u2069", "ja", "Nej!"]
    ),
)  # fmt: skip
inbound = st.one_of(
    texts.map(Text),
    st.builds(Pick, st.sampled_from(STEPS) | st.text(max_size=10), st.sampled_from(VALUES)),
    st.sampled_from(list(CommandName)).map(Command),
)


def context(channel: Channel) -> IntakeContext:
    return IntakeContext(
        partnership=PARTNERSHIP,
        languages=LANGUAGES,
        channel=channel,
        suggested_locale="sv",
        channel_phone="+46701234567" if channel is Channel.SMS else None,
        information=INFORMATION,
    )


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    channel=st.sampled_from([Channel.TELEGRAM, Channel.SMS]),
    messages=st.lists(inbound, min_size=1, max_size=40),
)
def test_any_sequence_of_messages(channel: Channel, messages: list[Inbound]) -> None:
    """Every turn answers, keeps a valid state that survives storage, and makes one case."""
    ctx = context(channel)
    state = IntakeState()
    cases = 0
    for message in messages:
        turn = advance(state, message, NOW, ctx)
        state = turn.state
        assert state.step in Step
        assert turn.replies or turn.event is not None or isinstance(message, Command)
        assert decode(encode(state)) == state
        assert len(state.answers.notes or "") <= 2000
        if isinstance(turn.event, CaseSubmitted):
            cases += 1
            assert state.step is Step.DONE
            assert turn.event.answers.consent is True
            assert turn.event.answers.contact is not None
        for reply in turn.replies:
            assert all(len(choice.value) <= 40 for choice in reply.choices)
    assert cases <= 1 + sum(isinstance(m, Command) for m in messages)


@settings(max_examples=300, deadline=None)
@given(step=st.sampled_from([s for s in Step if s not in (Step.DONE, Step.ENDED)]), message=inbound)
def test_any_message_at_any_step(step: Step, message: Inbound) -> None:
    """Dropped into any step, any message is handled without an exception."""
    state = IntakeState(step=step, locale="sv", started=True, started_at=NOW)
    for channel in (Channel.TELEGRAM, Channel.SMS):
        turn = advance(state, message, NOW, context(channel))
        assert turn.state.step in Step


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    messages=st.lists(
        st.tuples(st.sampled_from([Channel.TELEGRAM, Channel.SMS]), inbound), max_size=25
    )
)
def test_any_messages_through_the_service_and_sqlite(
    tmp_path_factory: pytest.TempPathFactory, messages: list[tuple[Channel, Inbound]]
) -> None:
    """Through the real service and database, on both channels: stored states stay readable."""
    path = tmp_path_factory.mktemp("db") / "jourbot.db"

    async def run() -> None:
        database = await Database.open(path)
        service = IntakeService(
            Units(database), FixedClock(), PARTNERSHIP, LANGUAGES, "sv", information=INFORMATION
        )
        try:
            for number, (channel, message) in enumerate(messages):
                address = "+46701234567" if channel is Channel.SMS else "4242"
                await service.handle(channel, address, message, message_id=f"m{number}")
            async with (
                database.transaction() as db,
                db.execute("SELECT state FROM conversations") as cursor,
            ):
                for (state,) in await cursor.fetchall():
                    decode(state)
        finally:
            await database.close()

    asyncio.run(run())


class FixedClock:
    def now(self) -> datetime:
        return NOW
