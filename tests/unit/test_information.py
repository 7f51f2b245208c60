"""Information while you wait: every topic in every language, numbers from configuration,
short enough for SMS, and a menu that opens anywhere and goes back to where the seeker was."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from bot.channels.sms import body
from bot.domain import information as info
from bot.domain.conversation import Answers, IntakeContext, IntakeState, Language
from bot.domain.dialogue import Command, CommandName, Pick, Reply, Text
from bot.domain.intake import advance
from bot.domain.model import Channel, Numbers, Partnership
from bot.domain.questions import Step
from bot.domain.sms import segments
from bot.domain.steps import question
from bot.i18n import Catalogs, default_locales_dir, load_information
from bot.services.intake import Answer
from tests.unit.intake_driver import NOW

LOCALES = default_locales_dir()
SHIPPED = sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))
# Three digits in a row, or digits split by a space or dash ("112", "114 14", "020-50"), in
# any script (every character with a numeric value is read as a digit first: Arabic-Indic,
# Persian, Ethiopic, Thai, ...); an age ("under 18") is not a number anyone dials.
PHONE_LIKE = re.compile(r"[0-9]{3}|[0-9][ -][0-9]")
# Digits written as words: three in a row is a number to dial ("one one two"). Every shipped
# language is listed; no list has been checked by a native speaker yet (locales/STATUS.md).
DIGIT_WORDS = {
    "en": "zero one two three four five six seven eight nine",
    "sv": "noll ett en två tre fyra fem sex sju åtta nio",
    "fi": "nolla yksi kaksi kolme neljä viisi kuusi seitsemän kahdeksan yhdeksän",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf",
    "pl": "zero jeden dwa trzy cztery pięć sześć siedem osiem dziewięć",
    "bs": "nula jedan dva tri četiri pet šest sedam osam devet",
    "ru": "ноль один два три четыре пять шесть семь восемь девять",
    "uk": "нуль один два три чотири п'ять шість сім вісім дев'ять",
    "tr": "sıfır bir iki üç dört beş altı yedi sekiz dokuz",
    "ku": "sifir yek du sê çar pênc şeş heft heşt neh",
    # Arabic: with and without hamza, ta marbuta written as ha, and the spoken forms
    # (اتنين، تلاتة، تمانية) people also type.
    "ar": "صفر واحد اثنان إثنان اثنين إثنين اتنين إتنين تنين ثنين ثلاثة ثلاثه تلاتة تلاته "
    "أربعة أربعه اربعة اربعه خمسة خمسه ستة سته سبعة سبعه ثمانية ثمانيه ثماني تمانية تمانيه "
    "تسعة تسعه",
    # Persian and Dari, with يک/يك as typed on an Arabic keyboard; شیش is spoken Persian.
    "fa": "صفر یک يک يك دو سه چهار پنج شش شیش هفت هشت نه",
    "fa_AF": "صفر یک يک يك دو سه چهار پنج شش هفت هشت نه",
    "ps": "صفر یو يو دوه درې دری دري څلور پنځه شپږ اووه اوه اته نهه نه",
    "ckb": "سفر سیفر صفر یەک یەك يەك دوو سێ چوار پێنج شەش حەوت هەشت نۆ",
    # Sureth counts with the masculine forms; the feminine one and two (ܚܕܐ, ܬܪ̈ܬܝܢ) too.
    "syr": "ܣܝܦܪ ܨܝܦܪ ܚܕ ܚܕܐ ܬܪܝܢ ܬܪܬܝܢ ܬܪ̈ܬܝܢ ܬܠܬܐ ܐܪܒܥܐ ܚܡܫܐ ܫܬܐ ܫܒܥܐ ܬܡܢܝܐ ܬܫܥܐ",
    "am": "ዜሮ አንድ ሁለት ሦስት ሶስት አራት አምስት ስድስት ሰባት ስምንት ዘጠኝ",
    # Eritrean ኣ and ሓ, and the አ and ሐ also written.
    "ti": "ዜሮ ሓደ ሐደ ክልተ ሰለስተ ኣርባዕተ አርባዕተ ሓሙሽተ ሐሙሽተ ሽዱሽተ ሸውዓተ ሸሞንተ ትሽዓተ ትሸዓተ",
    "so": "eber kow hal laba saddex sadex afar shan lix toddoba todoba siddeed sideed sagaal",
    # โท is how "two" is said in a phone number, so that it is not heard as สาม.
    "th": "ศูนย์ หนึ่ง สอง โท สาม สี่ ห้า หก เจ็ด แปด เก้า",
}
# Thai leaves no space between words, and \b falls inside them (its vowel and tone marks are
# not word characters), so there three digit words are found side by side as they stand.
RUN_TOGETHER = {"th"}


def as_digits(text: str) -> str:
    """Read every character that has a numeric value as a digit (the scripts' own too)."""
    return "".join(
        "0" if not ch.isascii() and unicodedata.numeric(ch, None) is not None else ch for ch in text
    )


def spelled_number(code: str, text: str) -> bool:
    """Tell whether *text* writes three digits in a row as words ("one one two")."""
    words = DIGIT_WORDS.get(code)
    if words is None:
        return False
    word = "|".join(re.escape(w) for w in words.split())
    if code in RUN_TOGETHER:
        return re.search(rf"({word})([ ,،፣-]*({word})){{2,}}", text) is not None
    return re.search(rf"(?i)\b({word})([ ,،፣-]+({word})){{2,}}\b", text) is not None


AUTHORITIES = ("Brottsoffermyndigheten", "Polisen", "Åklagarmyndigheten", "Sveriges Domstolar")


def source(code: str, key: str) -> str:
    return (LOCALES / code / "info" / f"{key}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", SHIPPED)
def test_every_topic_exists_in_every_language(code: str) -> None:
    """Each shipped language has its own file for every topic, with a title a menu can show."""
    for key in info.TOPICS:
        topic = info.parse_topic(key, source(code, key))
        assert 0 < len(topic.title) <= 28, (code, key)
        assert topic.body


@pytest.mark.parametrize("code", SHIPPED)
def test_numbers_come_from_configuration_and_each_topic_ends_with_people(
    code: str, partnership: Partnership
) -> None:
    """No number is written into a text; every placeholder is known; the last line says how
    to reach a person."""
    known = set(info.values(partnership, None))
    for key in info.TOPICS:
        topic = info.parse_topic(key, source(code, key))
        assert not PHONE_LIKE.search(as_digits(topic.body)), (code, key)
        assert not spelled_number(code, topic.body), (code, key)
        assert set(re.findall(r"\{(\w+)\}", topic.body)) <= known, (code, key)
        assert "{org_phone}" in topic.body.splitlines()[-1], (code, key)


@pytest.mark.parametrize("code", ["sv", "en"])
def test_swedish_and_english_name_their_sources(code: str) -> None:
    """The texts written first say which authority's pages they were written from."""
    for key in info.TOPICS[:-1]:  # the open evening is the associations' own fact
        comment = re.search(r"<!--(.*?)-->", source(code, key), re.DOTALL)
        assert comment is not None, key
        assert any(name in comment.group(1) for name in AUTHORITIES), key


def test_a_changed_number_changes_in_every_text(partnership: Partnership) -> None:
    """The women's line number is read from configuration, not from the text."""
    changed = replace(partnership, numbers=replace(Numbers(), womens_line="020-99 99 99"))
    library = load_information(LOCALES, ["sv"])
    (other,) = [t for t in library.for_locale("sv") if t.key == "other_help"]
    reply = info.topic_reply(other, info.values(changed, "vasterort"))
    assert reply.literal
    assert reply.params["womens_line"] == "020-99 99 99"
    assert reply.params["org_name"] == "Brottsofferjouren Västerort"


@pytest.mark.parametrize("code", SHIPPED)
def test_each_topic_fits_its_sms_bound(
    code: str, partnership: Partnership, catalogs: Catalogs
) -> None:
    """Sent by SMS as the seeker gets it (numbered choices, folded to GSM-7 where it can be),
    every topic stays within SMS_SEGMENTS."""
    library = load_information(LOCALES, [code])
    for topic in library.for_locale(code):
        reply = info.topic_reply(topic, info.values(partnership, "vasterort"))
        (text,) = body(Answer(code, [reply]), catalogs, Channel.SMS)
        assert "{" not in text, (code, topic.key)
        assert segments(text).count <= info.SMS_SEGMENTS, (code, topic.key, segments(text))


# -- the menu in the dialogue -------------------------------------------------------------

LANGUAGES = (Language("sv", "Svenska"), Language("en", "English"))
LIBRARY = load_information(LOCALES, ["sv", "en"])


def context(partnership: Partnership, channel: Channel) -> IntakeContext:
    return IntakeContext(partnership, LANGUAGES, channel, information=LIBRARY)


def states() -> list[IntakeState]:
    """A state at every step, and before, after and beside the intake."""
    found = [IntakeState(), IntakeState(step=Step.ENDED, locale="sv", started=True)]
    for step in Step:
        if step is not Step.ENDED:
            answers = Answers(consent=True)
            found.append(IntakeState(step=step, locale="sv", started=True, started_at=NOW,
                                     answers=answers, reference="ABC-123"))  # fmt: skip
    found.append(replace(found[5], step=Step.LANGUAGE, resume=Step.CRIME))
    return found


def where(state: IntakeState, ctx: IntakeContext) -> Reply:
    """What the seeker is shown when they come back."""
    if not state.started or state.step is Step.ENDED:
        state = IntakeState(step=Step.LANGUAGE, locale="sv", started=True)
    if state.step is Step.DONE:
        return advance(state, Command(CommandName.START), NOW, ctx).replies[0]
    return question(state, ctx)


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.SMS])
@pytest.mark.parametrize(
    "state", states(), ids=lambda s: f"{s.step}{'+resume' if s.resume else ''}"
)
def test_the_menu_opens_anywhere_and_goes_back(
    state: IntakeState, channel: Channel, partnership: Partnership
) -> None:
    """INFO shows the topics; a topic shows its text; back shows the same question again,
    with nothing answered or moved."""
    ctx = context(partnership, channel)
    opened = advance(state, Command(CommandName.INFO), NOW, ctx)
    (menu,) = opened.replies
    assert menu.step == info.INFO_STEP
    assert [c.value for c in menu.choices] == [*info.TOPICS, info.BACK]
    assert opened.event is None
    if channel is Channel.SMS:
        topic = advance(opened.state, Text("2"), NOW, ctx)  # the second topic by its number
        back = advance(topic.state, Text("2"), NOW, ctx)  # "2 Back" under every topic
    else:
        topic = advance(opened.state, Pick(info.INFO_STEP, "counsel"), NOW, ctx)
        back = advance(topic.state, Pick(info.INFO_STEP, info.BACK), NOW, ctx)
    (shown,) = topic.replies
    assert shown.literal and shown.text == LIBRARY.for_locale("sv")[1].body
    assert back.event is None and back.state.reading == ""
    (again,) = back.replies
    assert again == where(state, ctx)
    if state.started and state.step is not Step.ENDED:
        assert (back.state.step, back.state.answers, back.state.resume) == (
            state.step, state.answers, state.resume,
        )  # fmt: skip


def test_an_answer_instead_of_a_pick_leaves_the_menu(partnership: Partnership) -> None:
    """A seeker who ignores the menu and answers the question is read as answering it."""
    ctx = context(partnership, Channel.SMS)
    state = IntakeState(step=Step.AREA, locale="sv", started=True, answers=Answers(consent=True))
    opened = advance(state, Command(CommandName.INFO), NOW, ctx)
    answered = advance(opened.state, Text("Tensta"), NOW, ctx)
    assert answered.state.answers.district_id == "jarva"
    assert answered.state.reading == ""


def test_after_the_intake_a_number_still_reaches_the_support_person(
    partnership: Partnership,
) -> None:
    """Once the menu is closed, what the seeker writes goes on to their support person."""
    ctx = context(partnership, Channel.SMS)
    done = IntakeState(step=Step.DONE, locale="sv", started=True, reference="ABC-123")
    opened = advance(done, Command(CommandName.INFO), NOW, ctx)
    read = advance(opened.state, Text("3"), NOW, ctx)
    assert read.replies[0].text == LIBRARY.for_locale("sv")[2].body
    back = advance(read.state, Text("2"), NOW, ctx)
    wrote = advance(back.state, Text("2"), NOW, ctx)
    assert wrote.event is not None and type(wrote.event).__name__ == "SeekerWrote"


def test_without_an_open_evening_its_topic_is_left_out(partnership: Partnership) -> None:
    """No configured open evening: the menu does not offer a topic it cannot fill in."""
    ctx = context(replace(partnership, open_evening=None), Channel.SMS)
    state = IntakeState(step=Step.ROLE, locale="sv", started=True, answers=Answers(consent=True))
    (menu,) = advance(state, Command(CommandName.INFO), NOW, ctx).replies
    assert [c.value for c in menu.choices] == [*info.TOPICS[:-1], info.BACK]


def test_a_missing_english_topic_stops_start_up(tmp_path: Path) -> None:
    """English stands in for any untranslated topic, so it must be complete itself."""
    (tmp_path / "en" / "info").mkdir(parents=True)
    with pytest.raises(Exception, match="legal_process"):
        load_information(tmp_path, ["en"])


@pytest.mark.parametrize(
    ("code", "text", "found"),
    [
        ("am", "በ ፩፩፪ ይደውሉ", True),  # Ethiopic digits
        ("th", "โทร ๑๑๒", True),  # Thai digits
        ("ar", "اتصل ١١٢", True),  # Arabic-Indic digits
        ("fa", "۱۱۲", True),  # Persian digits
        ("so", "wac 1 1 2", True),
        ("en", "call one one two", True),
        ("sv", "ring ett ett två", True),
        ("ru", "звоните один один два", True),
        ("ar", "اتصل واحد واحد اثنين", True),
        ("fa", "با یک یک دو تماس بگیرید", True),
        ("fa_AF", "به یک یک دو زنگ بزنید", True),
        ("ps", "یو یو دوه ته زنګ ووهئ", True),
        ("ckb", "تەلەفۆن بۆ یەک یەک دوو بکە", True),
        ("syr", "ܩܪܘܢ ܚܕ ܚܕ ܬܪܝܢ", True),
        ("am", "ወደ አንድ አንድ ሁለት ይደውሉ", True),
        ("ti", "ናብ ሓደ ሓደ ክልተ ደውሉ", True),
        ("so", "wac kow kow laba", True),
        ("th", "โทรหนึ่งหนึ่งสอง", True),  # Thai writes no spaces between words
        ("th", "โทร หนึ่ง หนึ่ง สอง", True),
        ("en", "under 18, or 1 of us", False),
        ("sv", "en av oss, två gånger", False),
        ("so", "ka yar kow iyo labaatan sano", False),  # under twenty-one
        ("th", "เด็กอายุต่ำกว่าสิบแปดปีโทรได้สองสามครั้ง", False),  # "a few times"
    ],
)
def test_a_number_is_found_in_any_script_and_in_words(code: str, text: str, found: bool) -> None:
    """The checks above find a written number however it is written."""
    assert bool(PHONE_LIKE.search(as_digits(text)) or spelled_number(code, text)) is found
