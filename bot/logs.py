"""Logging: event names and case references, never personal data; text or JSON lines."""

from __future__ import annotations

import json
import logging
import sys


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, event and its key=value fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render *record*; an exception is named by its type only (its text may be personal)."""
        message = record.getMessage()
        event, _, rest = message.partition(" ")
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": event,
        }
        for field in rest.split():
            key, sep, value = field.partition("=")
            if sep:
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int = logging.INFO, *, json_lines: bool = False) -> None:
    """Log to stderr; keep the libraries that log message contents quiet."""
    root = logging.getLogger()
    if not root.handlers:  # like basicConfig: a host that set up logging keeps its own
        handler = logging.StreamHandler(sys.stderr)
        text = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        handler.setFormatter(JsonLines() if json_lines else text)
        root.addHandler(handler)
    root.setLevel(level)
    # python-telegram-bot logs whole updates and API parameters (text, chat ids) at DEBUG,
    # and httpx logs request URLs, which carry the bot token, at INFO.
    logging.getLogger("telegram").setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # Tracebacks from libraries can quote a request; uvicorn's error log is kept to warnings.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
