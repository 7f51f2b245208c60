"""Which Telegram chats we talk in, and who is speaking in them."""

from __future__ import annotations

import logging

from telegram import Chat, Update

log = logging.getLogger(__name__)


def own_private_chat(update: Update) -> Chat | None:
    """Return the update's chat if it is a private chat and the sender is its own person.

    In a private chat the chat id is the user's id. A button pressed by anyone else (on a
    forwarded or copied message) would otherwise act on another person's conversation.
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != chat.PRIVATE:
        return None
    if user is None or user.id != chat.id:
        log.warning("telegram.sender_not_chat_owner")
        return None
    return chat
