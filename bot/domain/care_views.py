"""How staff and the report name the support given (issue 22)."""

from __future__ import annotations

from bot.domain.care import Accompaniment, Application, SupportKind
from bot.domain.dialogue import S_

SUPPORT_KIND = {
    SupportKind.CONVERSATION: S_("Support conversation"),
    SupportKind.LEGAL_INFO: S_("Information about the legal process"),
    SupportKind.ACCOMPANIMENT: S_("Accompaniment"),
    SupportKind.COUNSEL: S_("Help to ask for a counsel for the injured party"),
    SupportKind.APPLICATION: S_("Help to apply for compensation or damages"),
    SupportKind.AUTHORITIES: S_("Help with contacts with authorities"),
    SupportKind.REFERRAL: S_("Referral to another organisation"),
}
ACCOMPANIMENT = {
    Accompaniment.POLICE_REPORT: S_("to a police report"),
    Accompaniment.INTERVIEW: S_("to an interview"),
    Accompaniment.TRIAL: S_("to a trial"),
    Accompaniment.OTHER: S_("to another appointment"),
}
APPLICATION = {
    Application.COMPENSATION: S_("criminal injuries compensation"),
    Application.DAMAGES: S_("damages"),
}
