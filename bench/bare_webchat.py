"""The web chat's floor: a bare Starlette app that holds chats open as Server-Sent Events.

POST /start makes a pass and a queue for the chat and puts a greeting on it; GET /events
streams that queue (the pass in the X-Chat header, a comment after 20 s without news, as
ours); POST /say puts the two events a turn answers with (a text, then the question asked
again, of about the size of ours) on the chat's queue at once and answers 204. Nothing is
stored, checked or limited. Served by uvicorn with the settings `jourbot run` uses.

python -m bench.bare_webchat PORT
"""

from __future__ import annotations

import asyncio
import gc
import json
import secrets
import sys
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

HEARTBEAT_SECONDS = 20.0  # as the service's stream

# The size of our help text and of the language question with its 21 options, as events.
HELP = (
    "Du kan skriva: /start för att börja om, /language för att byta språk, /delete för att "
    "radera allt du har berättat, /stop för att avsluta. Den här chatten är inte bemannad "
    "dygnet runt. Om du är i fara nu, ring 112. Medan du väntar kan du läsa om "
    "rättsprocessen och om vad som händer nu, och om stödet du kan få här."
)
TEXT = {"text": HELP, "step": "", "multiple": False, "options": [], "rtl": False, "lang": "sv"}
QUESTION = {
    "text": "Vilket språk vill du skriva på?",
    "step": "lang",
    "multiple": False,
    "options": [{"value": f"l{n}", "label": "Ett språket", "selected": False} for n in range(21)],
    "rtl": False,
    "lang": "sv",
}


class Chat:
    """One open chat: its queue of events and the number of the last one."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.number = 0

    def put(self, body: dict[str, object]) -> None:
        self.number += 1
        data = json.dumps({"n": self.number, **body}, ensure_ascii=False)
        self.queue.put_nowait(f"id: {self.number}\ndata: {data}\n\n".encode())


def app() -> Starlette:
    chats: dict[str, Chat] = {}

    async def start(request: Request) -> Response:
        json.loads(await request.body())
        chat_pass = secrets.token_urlsafe(24)
        chats[chat_pass] = chat = Chat()
        chat.put(QUESTION)
        return JSONResponse({"chat": chat_pass})

    async def say(request: Request) -> Response:
        body = json.loads(await request.body())
        chat = chats.get(str(body.get("chat")))
        if chat is None:
            return Response(status_code=404)
        chat.put(TEXT)
        chat.put(QUESTION)
        return Response(status_code=204)

    async def events(request: Request) -> Response:
        chat = chats.get(request.headers.get("X-Chat", ""))
        if chat is None:
            return Response(status_code=404)

        async def stream() -> AsyncIterator[bytes]:
            yield b"retry: 3000\n\n"
            while True:
                try:
                    yield await asyncio.wait_for(chat.queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield b": -\n\n"

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
        )

    async def health(request: Request) -> Response:
        return Response("ok")

    return Starlette(
        routes=[
            Route("/start", start, methods=["POST"]),
            Route("/say", say, methods=["POST"]),
            Route("/events", events, methods=["GET"]),
            Route("/healthz", health),
        ]
    )


if __name__ == "__main__":
    web = app()
    gc.collect()
    gc.freeze()  # as `jourbot run` does with what start-up built
    uvicorn.run(
        web, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False,
        lifespan="on",
    )  # fmt: skip
