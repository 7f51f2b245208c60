"""A seeker's own copy of what we keep about them (issue 23), on every channel: /mydata on
Telegram and in the web chat, the keyword by SMS (English or the seeker's own), the console;
what they answered, the case number and its state, the messages relayed, when it is erased,
and nothing about staff."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.dialogue import Command, CommandName
from bot.domain.model import Channel
from tests.conftest import FakeClock
from tests.intake_script import WHOLE_INTAKE, through_service
from tests.integration.test_staff_flow import (
    COORDINATOR,
    SEEKER_CHAT,
    SEEKER_PHONE,
    VOLUNTEER,
    answer_seeker,
    assign_new_case,
    running,
    sms_case,
    staff_and_a_case,
)
from tests.integration.test_webchat import Page
from tests.telegram_fakes import Person


async def test_on_telegram_the_copy_holds_the_answers_the_case_and_the_messages(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as w:
        coordinator, volunteer, seeker, volunteer_id = await staff_and_a_case(w)
        reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)
        await w.telegram(volunteer.message(f"/reply {reference} Hej, jag ringer i kväll."))
        await w.telegram(seeker.message("Tack!"))
        before = len(w.api.sent(SEEKER_CHAT))
        await w.telegram(seeker.message("/mydata"))
        copy = "\n".join(str(m["text"]) for m in w.api.sent(SEEKER_CHAT)[before:])
        for expected in (
            "Det här sparar vi om dig:", f"Ärendenummer: {reference}",
            "Status: i kontakt med din stödperson", "Var: Bromma", "Hur vi kontaktar dig: Ring mig",
            "Telefon: +46701234567", "Säkert att ringa: kvällstid (18–21)",
            "Språk för samtalet: Svenska",
            "Ett röstmeddelande som säger vilka vi är: Nej", "Din kommentar: Ring efter sex",
            "Meddelanden mellan dig och din stödperson:",
            "Din stödperson, ", "Hej, jag ringer i kväll.", "Du, ", "Tack!",
            "Vi sparar detta till 183 dagar efter att ditt ärende avslutats",
            "/delete raderar det nu.",
        ):  # fmt: skip
            assert expected in copy, (expected, copy)
        for staff in (str(VOLUNTEER), str(COORDINATOR), "volunteer", "volontär"):
            assert staff not in copy  # nothing about staff
        # Asking changes nothing: the case and the conversation are as they were.
        assert (await w.case(reference)).status.value == "in_contact"

        await w.telegram(seeker.message("/delete"))
        await w.telegram(seeker.message("/mydata"))
        assert w.last(SEEKER_CHAT) == "Vi sparar ingenting om dig."


async def test_midway_the_copy_holds_the_answers_so_far(
    settings: Settings, clock: FakeClock
) -> None:
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock) as w:
        await w.telegram(seeker.message("/start"))
        await answer_seeker(w, seeker, WHOLE_INTAKE[:5])  # language to the district
        before = len(w.api.sent(SEEKER_CHAT))
        await w.telegram(seeker.message("/mydata"))
        copy = "\n".join(str(m["text"]) for m in w.api.sent(SEEKER_CHAT)[before:])
        assert "Om dig: Det har hänt mig" in copy and "Var: Bromma" in copy
        assert "Ärendenummer" not in copy
        assert "Du är inte klar. Vi sparar dina svar 7 dagar efter ditt senaste" in copy
        await w.telegram(seeker.message("/help"))
        help_text = str(w.api.sent(SEEKER_CHAT)[-2]["text"])  # then the question, again
        assert "Skriv /mydata för att få en kopia av det vi sparar om dig." in help_text


async def test_by_sms_in_english_or_in_the_seekers_language(
    settings: Settings, clock: FakeClock
) -> None:
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    async with running(settings, clock) as w:
        reference = await sms_case(w, coordinator, volunteer)
        for keyword in ("MINADATA", "mydata"):
            answer = "\n".join(await w.sms(keyword))
            assert answer.startswith("Det här sparar vi om dig:"), answer
            assert f"Ärendenummer: {reference}" in answer
            assert "RADERA raderar det nu." in answer  # the SMS keyword, not /delete
        assert SEEKER_PHONE[1:] in answer.replace("+", "")


async def test_in_the_web_chat_and_at_the_console(settings: Settings, clock: FakeClock) -> None:
    async with running(settings, clock) as w:
        page = Page(w.client)
        told = await page.intake(w.jourbot)
        assert "Ditt ärendenummer" in told or "ärendenummer" in told
        assert await page.say("/mydata") == 204
        await w.jourbot.outbox.drain()
        copy = "\n".join(str(m["text"]) for m in await page.news())
        assert (
            "Det här sparar vi om dig:" in copy
            and "Hur vi kontaktar dig: Skriv till mig här" in copy
        )

        answer = await through_service(w.jourbot.intake, Channel.CONSOLE, "terminal")
        assert answer.replies
        asked = await w.jourbot.intake.handle(
            Channel.CONSOLE, "terminal", Command(CommandName.MYDATA)
        )
        # The console shows the replies itself (in the intake's language, when it renders).
        assert asked.replies[0].text == "What we keep about you:"
        lines = [line.text for line in asked.replies[0].lines]
        assert "Case number: {value}" in lines and "Phone: {value}" in lines
