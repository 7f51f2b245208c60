"""Security headers on every answer, and no caching of anything a desk page shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts, styles and images only from our own origin, no inline script or style, no
# frames, forms only to ourselves; nothing is fetched from anywhere else.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_ALWAYS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATIC_PREFIXES = ("/desk/static/", "/chat/static/")


class SecurityHeaders:
    """ASGI middleware: the headers above on every response; `no-store` on all but assets.

    A page listed in *framable* may be shown in a frame by the sites named for it (the web
    chat on an association's own site), and by no other.
    """

    def __init__(self, app: ASGIApp, framable: Mapping[str, Sequence[str]] | None = None) -> None:
        self._app = app
        self._framable = {
            path: {
                **_ALWAYS,
                "Content-Security-Policy": CONTENT_SECURITY_POLICY.replace(
                    "frame-ancestors 'none'", "frame-ancestors " + " ".join(sites)
                ),
            }
            for path, sites in (framable or {}).items()
            if sites
        }
        for headers in self._framable.values():
            del headers["X-Frame-Options"]  # it cannot name sites; the CSP above does

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers as the response starts."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        cache = "no-cache" if scope["path"].startswith(STATIC_PREFIXES) else "no-store"
        always = self._framable.get(scope["path"], _ALWAYS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in always.items():
                    headers[name] = value
                headers["Cache-Control"] = cache
            await send(message)

        await self._app(scope, receive, with_headers)
