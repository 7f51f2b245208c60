"""Signing in and out: one-time links, passkeys, and the reader's language."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.services.desk_access import DeskUser, SignedIn, TooManyTries
from bot.web.desk.context import DESK, DeskContext, signed_in
from bot.web.desk.gate import LANGUAGE_COOKIE_NAME

JSON_LIMIT = 16 * 1024  # bytes of a passkey's answer (a few hundred in practice)


def _next(request: Request) -> str:
    """Where to go after signing in: a desk page, never another site."""
    target = request.query_params.get("next", "")
    if target.startswith(f"{DESK}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{DESK}/"


class SignIn:
    """The routes that let staff in and out."""

    def __init__(self, desk: DeskContext) -> None:
        self._desk = desk

    async def sign_in_page(self, request: Request) -> Response:
        """Explain how to sign in: a link from the bot or the operator, or a passkey."""
        return self._desk.page(request, None, "desk/sign_in.html", next=_next(request))

    async def link_page(self, request: Request) -> Response:
        """Ask for a press before using a link up: a link preview or a mail scanner that
        fetches the page must not spend it."""
        return self._desk.page(request, None, "desk/link.html", token=request.path_params["token"])

    async def use_link(self, request: Request) -> Response:
        """Use a link up and open a session."""
        desk = self._desk
        if await desk.gate.form(request, None) is None:
            return Response(status_code=403)
        try:
            done = await desk.access.redeem(request.path_params["token"], desk.gate.client(request))
        except TooManyTries:
            return desk.page(request, None, "desk/sign_in.html", status_code=429, failed="wait")
        if done is None:
            return desk.page(request, None, "desk/sign_in.html", status_code=403, failed="link")
        return self._session(done, f"{DESK}/")

    async def passkey_options(self, request: Request) -> Response:
        """Give the browser a challenge to sign with a passkey."""
        desk = self._desk
        if not desk.gate.same_origin(request) or desk.access.locked(desk.gate.client(request)):
            return Response(status_code=403)
        return Response(desk.passkeys.sign_in_options(), media_type="application/json")

    async def passkey_sign_in(self, request: Request) -> Response:
        """Open a session for a passkey that signed our challenge."""
        desk = self._desk
        client = desk.gate.client(request)
        if not desk.gate.same_origin(request) or desk.access.locked(client):
            return Response(status_code=403)
        body = await request.body()
        done = None if len(body) > JSON_LIMIT else await desk.passkeys.sign_in(body.decode())
        if done is None:
            await desk.access.refused_client(client)
            return JSONResponse({"ok": False}, status_code=403)
        response = JSONResponse({"ok": True, "next": _next(request)})
        desk.gate.signed_in(response, done.token)
        return response

    async def account(self, request: Request, user: DeskUser) -> Response:
        """The staff member's own page: their phone for calls, absences, the open cases they
        can carry, passkeys, signing out."""
        staff = self._desk.staff
        phone = await staff.own_phone(user.staff)
        absences = await staff.absences(user.staff)
        return self._desk.page(
            request, user, "desk/account.html", phone=phone, absences=absences,
            today=self._desk.clock.now().astimezone(self._desk.pages.timezone).date(),
        )  # fmt: skip

    async def away(self, request: Request, user: DeskUser) -> Response:
        """Record an absence (first and last day)."""
        form = await self._desk.gate.form(request, user)
        if form is None:
            return Response(status_code=403)
        try:
            starts_on, ends_on = (date.fromisoformat(str(form.get(k, ""))) for k in ("from", "to"))
        except ValueError:
            return RedirectResponse(f"{DESK}/account", status_code=303)
        reply = await self._desk.staff.add_absence(user.staff, starts_on, ends_on)
        return self._desk.done(user, reply, f"{DESK}/account")

    async def back(self, request: Request, user: DeskUser) -> Response:
        """Remove one of one's absences."""
        form = await self._desk.gate.form(request, user)
        if form is None:
            return Response(status_code=403)
        given = str(form.get("absence", ""))
        if not given.isdigit() or len(given) > 12:
            return RedirectResponse(f"{DESK}/account", status_code=303)
        reply = await self._desk.staff.remove_absence(user.staff, int(given))
        return self._desk.done(user, reply, f"{DESK}/account")

    async def max_open(self, request: Request, user: DeskUser) -> Response:
        """Keep how many open cases one can carry (0: no ceiling)."""
        form = await self._desk.gate.form(request, user)
        if form is None:
            return Response(status_code=403)
        given = str(form.get("max_open", "")).strip() or "0"
        if not given.isdigit() or len(given) > 6:
            return RedirectResponse(f"{DESK}/account", status_code=303)
        reply = await self._desk.staff.set_max_open(user.staff, int(given))
        return self._desk.done(user, reply, f"{DESK}/account")

    async def phone(self, request: Request, user: DeskUser) -> Response:
        """Keep (or, left empty, forget) the phone the service rings for calls."""
        form = await self._desk.gate.form(request, user)
        if form is None:
            return Response(status_code=403)
        number = form.get("phone")
        reply = await self._desk.staff.set_own_phone(
            user.staff, number if isinstance(number, str) else ""
        )
        return self._desk.done(user, reply, f"{DESK}/account")

    async def registration_options(self, request: Request, user: DeskUser) -> Response:
        """Give the browser what it needs to make a passkey for this staff member."""
        if not self._desk.gate.header_token_ok(request, user):
            return Response(status_code=403)
        options = await self._desk.passkeys.registration_options(user)
        return Response(options, media_type="application/json")

    async def register(self, request: Request, user: DeskUser) -> Response:
        """Store the passkey the browser made."""
        if not self._desk.gate.header_token_ok(request, user):
            return Response(status_code=403)
        body = await request.body()
        ok = len(body) <= JSON_LIMIT and await self._desk.passkeys.register(user, body.decode())
        return JSONResponse({"ok": ok}, status_code=200 if ok else 400)

    async def sign_out(self, request: Request, user: DeskUser) -> Response:
        """End this browser's session."""
        if await self._desk.gate.form(request, user) is None:
            return Response(status_code=403)
        await self._desk.access.sign_out(user)
        return self._desk.gate.signed_out(RedirectResponse(f"{DESK}/sign-in", status_code=303))

    async def language(self, request: Request) -> Response:
        """Remember the language the reader chose for the desk (a cookie of its own)."""
        desk = self._desk
        user = await desk.gate.user(request)
        form = await desk.gate.form(request, user)
        if form is None:
            return Response(status_code=403)
        chosen = str(form.get("lang", ""))
        back = str(form.get("back", ""))
        target = back if back.startswith(f"{DESK}/") and not back.startswith("//") else DESK + "/"
        response = RedirectResponse(target, status_code=303)
        if chosen in desk.pages.languages:
            response.set_cookie(
                LANGUAGE_COOKIE_NAME, chosen, max_age=365 * 86400, path="/", secure=True,
                httponly=True, samesite="strict",
            )  # fmt: skip
        return response

    def _session(self, done: SignedIn, to: str) -> Response:
        return self._desk.gate.signed_in(RedirectResponse(to, status_code=303), done.token)

    def routes(self) -> list[Route]:
        """Return the sign-in routes."""
        desk = self._desk
        return [
            Route(f"{DESK}/sign-in", self.sign_in_page, methods=["GET"]),
            Route(f"{DESK}/sign-in/{{token:str}}", self.link_page, methods=["GET"]),
            Route(f"{DESK}/sign-in/{{token:str}}", self.use_link, methods=["POST"]),
            Route(f"{DESK}/passkey/options", self.passkey_options, methods=["POST"]),
            Route(f"{DESK}/passkey/sign-in", self.passkey_sign_in, methods=["POST"]),
            Route(f"{DESK}/account", signed_in(desk, self.account), methods=["GET"]),
            Route(
                f"{DESK}/account/passkeys/options",
                signed_in(desk, self.registration_options),
                methods=["POST"],
            ),
            Route(f"{DESK}/account/passkeys", signed_in(desk, self.register), methods=["POST"]),
            Route(f"{DESK}/account/phone", signed_in(desk, self.phone), methods=["POST"]),
            Route(f"{DESK}/account/away", signed_in(desk, self.away), methods=["POST"]),
            Route(f"{DESK}/account/back", signed_in(desk, self.back), methods=["POST"]),
            Route(f"{DESK}/account/max-open", signed_in(desk, self.max_open), methods=["POST"]),
            Route(f"{DESK}/sign-out", signed_in(desk, self.sign_out), methods=["POST"]),
            Route(f"{DESK}/language", self.language, methods=["POST"]),
        ]
