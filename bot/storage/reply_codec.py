"""Channel-neutral replies to JSON and back, so the outbox can hold them."""

from __future__ import annotations

import base64
import json
from datetime import datetime, time
from typing import Any

from bot.domain.dialogue import Choice, LanguageNames, Line, Param, Reply, Translatable, Weekday


def _param(value: Param) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, time):
        return {"t": value.isoformat()}
    if isinstance(value, Weekday):
        return {"wd": value.number}
    if isinstance(value, Translatable):
        return {"tr": list(value.msgids)}
    if isinstance(value, LanguageNames):
        return {"lang": list(value.codes)}
    return value


def _unparam(value: Any) -> Param:
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "t" in value:
            return time.fromisoformat(value["t"])
        if "wd" in value:
            return Weekday(int(value["wd"]))
        if "lang" in value:
            return LanguageNames(tuple(value["lang"]))
        return Translatable(tuple(value["tr"]))
    return value  # type: ignore[no-any-return]


def _params(params: dict[str, Param]) -> dict[str, Any]:
    return {name: _param(value) for name, value in params.items()}


def _unparams(data: dict[str, Any]) -> dict[str, Param]:
    return {name: _unparam(value) for name, value in data.items()}


def encode_replies(replies: list[Reply]) -> str:
    """Write *replies* as one JSON list."""
    return json.dumps([_encode(r) for r in replies], ensure_ascii=False, separators=(",", ":"))


def decode_replies(text: str) -> list[Reply]:
    """Read replies written by encode_replies().

    Rows queued before that held each reply as a JSON string of its own inside the list;
    they still read.
    """
    return [
        _decode(json.loads(item) if isinstance(item, str) else item) for item in json.loads(text)
    ]


def _encode(reply: Reply) -> dict[str, Any]:
    # Only what differs from a plain reply is written: the outbox holds every message sealed,
    # and the bytes written are most of what a message costs to queue.
    data: dict[str, Any] = {"text": reply.text}
    if reply.params:
        data["params"] = _params(reply.params)
    if reply.lines:
        data["lines"] = [_trimmed([line.text, _params(line.params)]) for line in reply.lines]
    if reply.plural is not None:
        data["plural"] = reply.plural
    if reply.choices:
        data["choices"] = [
            _trimmed([c.value, c.label, c.literal, c.selected, _params(c.params)])
            for c in reply.choices
        ]
    if reply.step:
        data["step"] = reply.step
    if reply.multiple:
        data["multiple"] = True
    if reply.replaces_previous:
        data["replaces"] = True
    if reply.image is not None:
        data["image"] = base64.b64encode(reply.image).decode()
    if reply.literal:
        data["literal"] = True
    if reply.protected:
        data["protected"] = True
    return data


def _trimmed(row: list[Any]) -> list[Any]:
    """Leave off trailing fields that only hold their default (False, or no parameters)."""
    while len(row) > 2 and not row[-1]:
        row.pop()
    return row


def _decode(data: dict[str, Any]) -> Reply:
    return Reply(
        text=data["text"],
        params=_unparams(data.get("params", {})),
        lines=tuple(_line(*row) for row in data.get("lines", ())),
        plural=data.get("plural"),
        choices=tuple(_choice(*row) for row in data.get("choices", ())),
        step=data.get("step", ""),
        multiple=bool(data.get("multiple")),
        replaces_previous=bool(data.get("replaces")),
        image=None if data.get("image") is None else base64.b64decode(data["image"]),
        literal=bool(data.get("literal")),
        protected=bool(data.get("protected")),
    )


def _line(text: str, params: dict[str, Any] | None = None) -> Line:
    return Line(text, _unparams(params or {}))


def _choice(
    value: str,
    label: str,
    literal: bool = False,
    selected: bool = False,
    params: dict[str, Any] | None = None,
) -> Choice:
    return Choice(value, label, literal, selected, _unparams(params or {}))
