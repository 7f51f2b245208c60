"""Rendering pages, the desk's and the web chat's: Jinja2 templates in the reader's language.

Templates mark staff text with S_("...") and seekers' text with N_("..."), as the Python code
does, so `make extract` puts each in its catalog; here they translate (S_ also fills in named
values, formatted for the reader).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from bot.channels.render import render
from bot.domain.dialogue import Line, Param, Reply
from bot.i18n import Catalogs, Translator

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Pages:
    """The desk's templates and the catalogs they are written in."""

    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs
        self._env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )

    @property
    def timezone(self) -> ZoneInfo:
        """Where the desk's dates are local (the partnership's zone)."""
        return self._catalogs.translator("en").timezone

    @property
    def seeker_languages(self) -> tuple[str, ...]:
        """The languages seekers can write in (the board's language filter)."""
        return self._catalogs.codes

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the desk is written in."""
        return self._catalogs.staff_codes

    def translator(self, locale: str) -> Translator:
        """Return the staff translator for *locale* (English for one the desk lacks)."""
        return self._catalogs.translator(self._catalogs.staff_locale(locale))

    def page(
        self, name: str, locale: str, context: Mapping[str, Any], status_code: int = 200
    ) -> HTMLResponse:
        """Render template *name* for a reader of *locale*."""
        tr = self.translator(locale)
        html = self._env.get_template(name).render(
            **context, **_helpers(tr), lang=tr.code, desk_languages=self.languages
        )
        return HTMLResponse(html, status_code=status_code)

    def seeker_page(
        self,
        name: str,
        locale: str,
        context: Mapping[str, Any],
        media_type: str = "text/html",
    ) -> Response:
        """Render a page (or the widget's script) a seeker reads, in *locale* (any shipped
        language), with N_."""
        tr = self._catalogs.translator(locale)
        text = self._env.get_template(name).render(
            **context, N_=tr.gettext, lang=tr.code, rtl=tr.right_to_left
        )
        return Response(text, media_type=media_type)

    def text(self, reply: Reply, locale: str) -> str:
        """Render a service's answer (the bot's wording) as plain text for a notice."""
        return render(reply, self.translator(locale), {}).text


def _helpers(tr: Translator) -> dict[str, Any]:
    def translate(msgid: str, **params: Param) -> str:
        return tr.format(msgid, dict(params), {}) if params else tr.gettext(msgid)

    def plural(singular: str, plural_: str, count: int, **params: Param) -> str:
        return tr.format(singular, {"count": count, **params}, {}, plural_)

    def when(moment: datetime | date | None) -> str:
        if moment is None:
            return "-"
        if isinstance(moment, datetime):
            local = moment.astimezone(tr.timezone)
            return local.strftime("%Y-%m-%d %H:%M")
        return moment.isoformat()

    def line(value: Line) -> str:
        # Moments as everywhere else on the page, not as the bot writes them in a sentence.
        params: dict[str, Param] = {
            k: when(v) if isinstance(v, datetime) else v for k, v in value.params.items()
        }
        return tr.format(value.text, params, {})

    return {
        "S_": translate,
        "SP_": plural,
        "line": line,
        "when": when,
        "param": tr.param,
        "language_name": tr.language_name,
        "language_list": lambda codes: ", ".join(map(tr.language_name, codes)) or "-",
    }
