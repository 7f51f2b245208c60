"""What every desk route needs, and the answers they share (refusal, redirects, flashes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.domain.dialogue import Reply
from bot.domain.model import Partnership
from bot.ports import Clock
from bot.services.calls import CallService
from bot.services.desk_access import DeskAccess, DeskUser
from bot.services.passkeys import Passkeys
from bot.services.reports import ReportService
from bot.services.staff import StaffService
from bot.web.desk.gate import LANGUAGE_COOKIE_NAME, Gate
from bot.web.pages import Pages

DESK = "/desk"
REFRESH_HEADER = "X-Requested-With"  # desk.js sends "desk" with every refresh
FLASHES_AT_MOST = 10_000  # sessions with an unread notice held at once


@dataclass
class DeskContext:
    """The services behind the desk, and the notices waiting for each session's next page."""

    staff: StaffService
    access: DeskAccess
    passkeys: Passkeys
    reports: ReportService
    pages: Pages
    gate: Gate
    partnership: Partnership
    clock: Clock
    calls: CallService
    supervision_months: int = 3  # [staff] supervision_months
    flashes: dict[str, str] = field(default_factory=dict)

    def locale(self, request: Request, user: DeskUser | None) -> str:
        """The reader's language: their choice on the desk, else their staff record's, else
        the first of the browser's languages the desk is written in (Swedish if none)."""
        chosen = request.cookies.get(LANGUAGE_COOKIE_NAME)
        if chosen in self.pages.languages:
            return str(chosen)
        if user is not None:
            return user.staff.locale
        for tag in request.headers.get("accept-language", "").split(","):
            base = tag.split(";")[0].strip().split("-")[0].lower()
            if base in self.pages.languages:
                return base
        return "sv"

    def page(
        self,
        request: Request,
        user: DeskUser | None,
        name: str,
        status_code: int = 200,
        *,
        part: bool = False,
        **context: Any,
    ) -> HTMLResponse:
        """Render a page, with the session's waiting notice (shown once); a *part* of a page
        (a refresh) leaves the notice for the next whole page."""
        shows_flash = user is not None and not part
        flash = self.flashes.pop(user.session, None) if shows_flash and user else None
        return self.pages.page(
            name,
            self.locale(request, user),
            {
                "path": request.url.path,
                **context,
                "user": user,
                "csrf": user.csrf if user else "",
                "flash": flash,
            },
            status_code=status_code,
        )

    def refused(self, request: Request, user: DeskUser | None) -> HTMLResponse:
        """The one answer for a case that does not exist and one that is not the reader's."""
        # Nothing of the address asked for is echoed, not even into the language form.
        return self.page(request, user, "desk/refused.html", status_code=404, path=f"{DESK}/")

    def done(self, user: DeskUser, reply: Reply | str, to: str) -> RedirectResponse:
        """Remember what an action answered for the next page, and go there (303)."""
        text = reply if isinstance(reply, str) else self.pages.text(reply, user.staff.locale)
        if len(self.flashes) >= FLASHES_AT_MOST:
            self.flashes.pop(next(iter(self.flashes)))
        self.flashes[user.session] = text
        return RedirectResponse(to, status_code=303)


Handler = Callable[[Request, DeskUser], Awaitable[Response]]


def signed_in(desk: DeskContext, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Serve *handler* to a signed-in staff member; send anyone else to sign in.

    A link opened from a Telegram notice comes from another site, so the browser holds the
    SameSite=Strict cookie back: such a request gets a page that reloads itself from here,
    and then the cookie comes along.
    """

    async def serve(request: Request) -> Response:
        user = await desk.gate.user(request)
        if user is not None:
            return await handler(request, user)
        if request.method != "GET":
            return Response(status_code=403)
        if request.headers.get(REFRESH_HEADER) == "desk":
            return Response(status_code=401)  # a refresh: the page reloads and signs in
        if request.headers.get("sec-fetch-site") == "cross-site":
            return desk.page(request, None, "desk/bounce.html")
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"{DESK}/sign-in?next={target}", status_code=303)

    return serve
