"""Inline keyboards for rendered choices."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.render import Rendered

_CHECK = "✓ "


def keyboard(rendered: Rendered) -> InlineKeyboardMarkup | None:
    """Lay out the choices as inline buttons, two to a row when the labels are short."""
    if not rendered.options:
        return None
    buttons = [
        InlineKeyboardButton(
            (_CHECK if option.selected else "") + option.label,
            callback_data=f"{rendered.step}:{option.value}",
        )
        for option in rendered.options
    ]
    width = 2 if max(len(b.text) for b in buttons) <= 16 else 1
    return InlineKeyboardMarkup([buttons[i : i + width] for i in range(0, len(buttons), width)])
