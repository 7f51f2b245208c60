"""Who is asking: the session cookie, the form token, and a client key for rate limits.

The cookie is `__Host-` prefixed (Secure, Path=/, no Domain), HttpOnly and SameSite=Strict,
and holds only the session's token. Every form carries the session's CSRF token, and a
write from another origin is refused before its form is read.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bot.ports import Clock
from bot.services.desk_access import DeskAccess, DeskUser
from bot.web.clients import ClientKeys

SESSION_COOKIE = "__Host-desk"
LANGUAGE_COOKIE_NAME = "desk-lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
FORM_LIMIT = 48 * 1024  # bytes of one form field (the whole body is bounded by BodyLimit)


class Gate:
    """Sessions, form tokens and client keys for the desk's routes."""

    def __init__(self, access: DeskAccess, origin: str, clock: Clock) -> None:
        self._access = access
        parts = urlsplit(origin)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._clients = ClientKeys(clock)

    @property
    def origin(self) -> str:
        """The desk's own origin (scheme, host and port), as browsers send it."""
        return self._origin

    async def user(self, request: Request) -> DeskUser | None:
        """Return the signed-in staff member, or None."""
        token = request.cookies.get(SESSION_COOKIE)
        return await self._access.user(token) if token else None

    def same_origin(self, request: Request) -> bool:
        """Tell whether a write comes from the desk's own pages.

        Browsers send Sec-Fetch-Site with every request and Origin with every POST; either
        naming another site is enough to refuse. Under `Referrer-Policy: no-referrer` a form
        is posted with `Origin: null`: then Sec-Fetch-Site must say it is our own page.
        """
        origin = request.headers.get("origin")
        site = request.headers.get("sec-fetch-site")
        if origin == "null":
            return site == "same-origin"
        if origin is not None and origin != self._origin:
            return False
        return site in (None, "same-origin", "none")

    async def form(self, request: Request, user: DeskUser | None) -> FormData | None:
        """Return a posted form whose token matches the session's; None to refuse it.

        Without a session (signing in) there is no token to match: the origin must be ours.
        """
        if not self.same_origin(request):
            return None
        try:
            form = await request.form(max_files=0, max_fields=50, max_part_size=FORM_LIMIT)
        except Exception:
            return None
        if user is None:
            return form
        given = form.get(CSRF_FIELD)
        if not isinstance(given, str) or not hmac.compare_digest(given, user.csrf):
            return None
        return form

    def header_token_ok(self, request: Request, user: DeskUser) -> bool:
        """Check the token a script sends in a header (the passkey calls, JSON bodies)."""
        given = request.headers.get(CSRF_HEADER, "")
        return self.same_origin(request) and hmac.compare_digest(given, user.csrf)

    def client(self, request: Request) -> str:
        """A key for the client's address, for the sign-in limits only (never stored)."""
        return self._clients.key(request)

    @staticmethod
    def signed_in(response: Response, token: str) -> Response:
        """Give the browser its session cookie (it ends with the browser or the session)."""
        response.set_cookie(
            SESSION_COOKIE, token, path="/", secure=True, httponly=True, samesite="strict"
        )
        return response

    @staticmethod
    def signed_out(response: Response) -> Response:
        """Take the session cookie away."""
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict"
        )
        return response
