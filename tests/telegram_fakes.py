"""An offline Bot API for python-telegram-bot, and updates as Telegram would send them."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 1000, "is_bot": True, "first_name": "Jourbot", "username": "jourbot_test_bot"}
DATE = 1_764_000_000


class OfflineBotAPI(BaseRequest):
    """Answer every Bot API call locally and record it; `pending` feeds getUpdates."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.pending: list[dict[str, Any]] = []
        self._message_ids = itertools.count(1)
        self.blocked: set[int] = set()  # chats whose person blocked the bot (403)
        self.delay = 0.0  # seconds a send takes, as over a network

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            files = request_data.multipart_data or {}
            params["files"] = {name: part[1] for name, part in files.items()}
        refusal = self._refusal(endpoint, params)
        if refusal is not None:
            return refusal
        if self.delay and endpoint == "sendMessage":
            await asyncio.sleep(self.delay)
        if endpoint != "getUpdates":
            self.calls.append((endpoint, params))
        result = await self._result(endpoint, params)
        if endpoint == "sendMessage":
            params["message_id"] = result["message_id"]  # so tests can press its buttons
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _refusal(self, endpoint: str, params: dict[str, Any]) -> tuple[int, bytes] | None:
        """Refuse what Telegram refuses: too long a text, a chat that blocked the bot."""
        if endpoint not in ("sendMessage", "editMessageText"):
            return None
        if int(params.get("chat_id", 0)) in self.blocked:
            body = {"ok": False, "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user"}  # fmt: skip
            return 403, json.dumps(body).encode()
        if len(str(params.get("text", "")).encode("utf-16-le")) // 2 > 4096:
            body = {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message is too long",
            }
            return 400, json.dumps(body).encode()
        return None

    async def _result(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return BOT_USER
        if endpoint in ("sendMessage", "editMessageText", "sendPhoto"):
            chat_id = int(params["chat_id"]) if "chat_id" in params else 1
            return {
                "message_id": int(params.get("message_id", next(self._message_ids))),
                "date": DATE,
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        if endpoint == "getUpdates":
            if not self.pending:
                await asyncio.sleep(0.01)
            updates, self.pending = self.pending, []
            return updates
        return True  # answerCallbackQuery, setWebhook, deleteWebhook, ...

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """Return the messages sent (or edited) to *chat_id*, in order."""
        return [
            params
            for endpoint, params in self.calls
            if endpoint in ("sendMessage", "editMessageText")
            and int(params.get("chat_id", 0)) == chat_id
        ]

    def photos(self, chat_id: int) -> list[dict[str, Any]]:
        """Return the pictures sent to *chat_id*: their parameters, files under "files"."""
        return [
            params
            for endpoint, params in self.calls
            if endpoint == "sendPhoto" and int(params.get("chat_id", 0)) == chat_id
        ]

    def buttons(self, chat_id: int) -> list[tuple[str, str]]:
        """Return (label, callback data) of the buttons on the last message to *chat_id*."""
        markup = self.sent(chat_id)[-1].get("reply_markup")
        if not markup:
            return []
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


class Person:
    """A Telegram user in a private chat with the bot, making updates as Telegram would."""

    _update_ids = itertools.count(1)

    def __init__(self, chat_id: int, language_code: str = "en", name: str = "Seeker") -> None:
        self.chat_id = chat_id
        self.user = {
            "id": chat_id,
            "is_bot": False,
            "first_name": name,
            "language_code": language_code,
        }

    def message(self, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._update_ids),
            "date": DATE,
            "chat": {"id": self.chat_id, "type": "private"},
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def reply(self, text: str, to: dict[str, Any]) -> dict[str, Any]:
        """Answer with Telegram's own Reply on *to*, a message the bot sent (its parameters)."""
        update = self.message(text)
        update["message"]["reply_to_message"] = {
            "message_id": int(to.get("message_id", 1)),
            "date": DATE,
            "chat": {"id": self.chat_id, "type": "private"},
            "from": BOT_USER,
            "text": str(to.get("text", "")),
        }
        return update

    def press(self, data: str, message_id: int = 1) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._update_ids)),
                "from": self.user,
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": DATE,
                    "chat": {"id": self.chat_id, "type": "private"},
                    "from": BOT_USER,
                    "text": "question",
                },
            },
        }
