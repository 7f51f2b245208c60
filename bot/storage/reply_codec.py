"""Channel-neutral replies to JSON and back, so the outbox can hold them."""

from __future__ import annotations

import base64
import json
from datetime import datetime, time
from typing import Any

from bot.domain.dialogue import Choice, Line, Param, Reply, Translatable, Weekday


def _param(value: Param) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, time):
        return {"t": value.isoformat()}
    if isinstance(value, Weekday):
        return {"wd": value.number}
    if isinstance(value, Translatable):
        return {"tr": list(value.msgids)}
    return value


def _unparam(value: Any) -> Param:
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "t" in value:
            return time.fromisoformat(value["t"])
        if "wd" in value:
            return Weekday(int(value["wd"]))
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
    return {
        "text": reply.text,
        "params": _params(reply.params),
        "lines": [[line.text, _params(line.params)] for line in reply.lines],
        "plural": reply.plural,
        "choices": [
            [c.value, c.label, c.literal, c.selected, _params(c.params)] for c in reply.choices
        ],
        "step": reply.step,
        "multiple": reply.multiple,
        "replaces": reply.replaces_previous,
        "image": None if reply.image is None else base64.b64encode(reply.image).decode(),
        "literal": reply.literal,
    }


def _decode(data: dict[str, Any]) -> Reply:
    return Reply(
        text=data["text"],
        params=_unparams(data["params"]),
        lines=tuple(Line(t, _unparams(p)) for t, p in data["lines"]),
        plural=data["plural"],
        choices=tuple(
            Choice(value, label, literal, selected, _unparams(params))
            for value, label, literal, selected, params in data["choices"]
        ),
        step=data["step"],
        multiple=data["multiple"],
        replaces_previous=data["replaces"],
        image=None if data.get("image") is None else base64.b64decode(data["image"]),
        literal=bool(data.get("literal", False)),
    )
