"""How the follow-up report names its figures and groups, in the reader's language.

Apart from the charts, so a page can name them without loading Matplotlib.
"""

from __future__ import annotations

from babel import Locale

from bot.domain import staff_views as views
from bot.domain.care_views import ACCOMPANIMENT, APPLICATION, SUPPORT_KIND
from bot.domain.dialogue import S_
from bot.domain.model import Partnership
from bot.domain.stats import NOT_GIVEN
from bot.domain.training import SESSION_KIND
from bot.i18n import Translator

FIGURES = {
    "cases": S_("Cases received"),
    "first_contact_within_deadline": S_("Reached within three days"),
    "median_hours_to_first_contact": S_("Median hours to first contact"),
    "not_reached": S_("Closed as not reached"),
    "not_reached_with_three_incl_evening": S_("Not reached: three attempts, one in the evening"),
    "not_reached_evening_not_safe": S_(
        "Closed as not reached, the evening not safe for the seeker"
    ),
    "not_reached_evening_not_safe_spread": S_(
        "Of those: three attempts, in the morning and the afternoon"
    ),
    "attempts_per_case": S_("Attempts per case"),
    "gender": S_("Gender"),
    "age_group": S_("Age group"),
    "role": S_("Role"),
    "district": S_("District"),
    "crime": S_("Crime"),
    "need": S_("Support asked for"),
    "language": S_("Language"),
    "channel": S_("Channel"),
    "source": S_("Source"),
    "closure": S_("Reason for closing"),
    "intakes_without_case": S_("Intakes without a case"),
    "reminders_sent": S_("Reminders and escalations sent"),
    "referrals": S_("Referrals"),
    "calls": S_("Calls through the association's number"),
    "support_contacts": S_("Contacts after the first"),
    "support_contacts_per_case": S_("Contacts after the first, per case that had any"),
    "support_hours": S_("Hours of support after the first contact"),
    "support_by_kind": S_("Support given, by kind"),
    "support_accompaniments": S_("Accompaniments"),
    "support_applications": S_("Help to apply for"),
    "support_referrals_made": S_("Referred to"),
    "training_sessions": S_("Further training and supervision of the staff"),
}
CALLS = {
    "placed": S_("placed"),
    "reached": S_("reached a person"),
    "minutes": S_("minutes in all"),
}
REFERRAL = {
    "to_stodcentrum": S_("moved to Stödcentrum"),
    "to_association": S_("moved to another association"),
    "received": S_("received from another organisation"),
    "national_line": S_("referred to the national line"),
}


_CARE_GROUPS: dict[str, dict[str, str]] = {
    "support_by_kind": {str(k): v for k, v in SUPPORT_KIND.items()},
    "support_accompaniments": {str(k): v for k, v in ACCOMPANIMENT.items()},
    "support_applications": {str(k): v for k, v in APPLICATION.items()},
    "training_sessions": {str(k): v for k, v in SESSION_KIND.items()},
}

# Names of the channels seekers came through: proper names, the same in every language.
CHANNEL_NAMES = {"telegram": "Telegram", "sms": "SMS", "whatsapp": "WhatsApp"}
CHANNEL_LABELS = {"webchat": S_("web chat"), "console": S_("console")}


class Labels:
    """How a report names its groups: districts by name, languages in the report language."""

    def __init__(self, translator: Translator, partnership: Partnership) -> None:
        self._t = translator
        self._districts = {d.id: d.name for d in partnership.districts}
        self._organisations = {o.id: o.name for o in partnership.organisations}
        self._referrals = {r.id: r.name for r in partnership.referrals}

    def text(self, msgid: str) -> str:
        return self._t.gettext(msgid)

    def organisation(self, org_id: str) -> str:
        return self._organisations.get(org_id, org_id)

    def figure(self, name: str) -> str:
        return self._t.gettext(FIGURES[name]) if name in FIGURES else name

    def group(self, figure: str, key: str) -> str:
        """Name one group of a figure: a district, a language, or an answer as staff see it."""
        if not key:
            return ""
        if figure == "district" and key != NOT_GIVEN:
            return self._districts.get(key, key)
        if figure == "channel" and key in CHANNEL_NAMES:
            return CHANNEL_NAMES[key]
        if figure == "language" and key != NOT_GIVEN:
            return capitalised(Locale.parse(key).get_display_name(self._t.locale) or key)
        if key == NOT_GIVEN:
            msgid: str | None = views.NOT_GIVEN
        elif figure == "referrals":
            msgid = REFERRAL.get(key)
        elif figure == "calls":
            msgid = CALLS.get(key)
        elif figure == "support_referrals_made":
            return self._referrals.get(key, key)  # a proper name, not translated
        elif figure in _CARE_GROUPS:
            msgid = _CARE_GROUPS[figure].get(key)
        elif figure == "channel":
            msgid = CHANNEL_LABELS.get(key)
        elif figure == "source":
            msgid = {str(k): v for k, v in views.SOURCE.items()}.get(key)
        elif figure == "closure":
            msgid = {str(k): v for k, v in views.CLOSE_REASON.items()}.get(key)
        else:
            msgid = views.answer_label(key)
        return capitalised(self._t.gettext(msgid)) if msgid else key


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
