"""POST to an ASGI app in this process, as an HTTP server would hand it a request.

A general-purpose client (httpx's ASGITransport) spends several times longer per request
than the bare bots it should measure; this one builds the request's scope and body and reads
the status back, nothing more, so both sides of a comparison pay the same small toll.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message

Headers = Sequence[tuple[bytes, bytes]]


class AsgiClient:
    """Send requests to *app* in process; the app runs them exactly as it would over HTTP."""

    def __init__(self, app: ASGIApp, host: str = "bot.example.org") -> None:
        self._app = app
        self._host = host.encode()

    async def post(self, path: str, body: bytes, headers: Headers = ()) -> int:
        """POST *body* to *path*; return the response's status once its body is sent."""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "https",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", self._host),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 443),
            "state": {},
        }
        given = False
        status = 0

        async def receive() -> Message:
            nonlocal given
            if given:  # asked again once the body is read: the client has gone
                return {"type": "http.disconnect"}
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])

        await self._app(scope, receive, send)
        return status
