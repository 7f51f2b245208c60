"""Reading what a person typed: picked choices, folded words, phone numbers."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

import phonenumbers

from bot.domain.dialogue import Pick, Reply, Text

CHOICE_DIGITS = 3  # no question has a thousand choices; longer digit runs are not picks


def picked(reply: Reply, answer: Text | Pick, label: Callable[[str], str]) -> str | None:
    """Return the value of the choice picked: a button, its number, or its words.

    *label* gives a choice's label in the reader's language; the English one counts too.
    """
    if isinstance(answer, Pick):
        values = {c.value for c in reply.choices}
        return answer.value if answer.value in values else None
    typed = words(answer.text)
    if typed.isdigit():  # any script's digits: "3", "٣", "۳"
        if len(typed) > CHOICE_DIGITS:
            return None  # a phone number or nonsense, never a choice
        number = int(typed)
        return reply.choices[number - 1].value if 1 <= number <= len(reply.choices) else None
    if not typed:
        return None
    exact, first_word = set(), set()
    for choice in reply.choices:
        shown = choice.label if choice.literal else label(choice.label)
        names = {_folded(shown), _folded(choice.label), _folded(choice.value)}
        if typed in names:
            exact.add(choice.value)
        elif typed in {name.split(" ")[0] for name in names if name}:
            first_word.add(choice.value)  # "yes" for "Yes, that is fine"
    for found in (exact, first_word):
        if len(found) == 1:
            return found.pop()
    return None


# Arabic script is typed with or without vowel marks and with several spellings of alef,
# ya and ta marbuta: fold them so "مساعده" matches "مساعدة".
_ARABIC_FOLD = str.maketrans(
    {
        **dict.fromkeys(map(chr, [*range(0x064B, 0x0660), 0x0670, 0x0640]), None),
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        # Turkish: "İ" casefolds to "i" plus a combining dot, and phones type "ı" for "I".
        "\u0307": None,
        "ı": "i",
    }
)


def words(text: str) -> str:
    """Fold *text* for matching: case, width, punctuation and Latin accents aside.

    "pomoc" matches "POMOĆ" and "hjalp" "HJÄLP" (phones without those keys), while marks
    on other scripts stay with their letter (Thai vowels and tones are part of the word).
    """
    decomposed = unicodedata.normalize("NFKD", text).casefold().translate(_ARABIC_FOLD)
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.category(char)[0] == "M":
            if kept and kept[-1].isascii() and kept[-1].isalpha():
                continue  # an accent on a Latin letter
            kept.append(char)
        else:
            kept.append(char if char.isalnum() else " ")
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


@lru_cache(maxsize=4096)
def _folded(label: str) -> str:
    """words() of a choice's label or value: the same few hundred, folded on every answer.

    Only our own labels are remembered, never what anyone typed.
    """
    return words(label)


def normalise_phone(text: str, region: str = "SE") -> str | None:
    """Return *text* as an E.164 number if it is a valid phone number, else None."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
