"""Console adapter: be a seeker in the terminal, with the same dialogue and database."""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import TextIO

from bot.channels.render import SLASH_COMMANDS, numbered, render
from bot.domain.dialogue import Command, CommandName, Inbound, Text
from bot.domain.model import Channel
from bot.i18n import Catalogs
from bot.services.intake import IntakeService


def parse(line: str) -> Inbound:
    """Read a typed line as a command ("/help") or as free text; an unknown command is help."""
    word = line.strip()
    if word.startswith("/") and len(word) > 1:
        name = word[1:].split()[0].lower()
        if name in {c.value for c in CommandName}:
            return Command(CommandName(name))
        return Command(CommandName.HELP)
    return Text(line.rstrip("\n"))


async def run_console(
    service: IntakeService,
    catalogs: Catalogs,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    session: str | None = None,
) -> None:
    """Talk to one seeker on the terminal until end of input."""
    address = session or f"console-{uuid.uuid4().hex[:12]}"
    loop = asyncio.get_running_loop()
    inbound: Inbound = Command(CommandName.START)
    while True:
        answer = await service.handle(Channel.CONSOLE, address, inbound)
        tr = catalogs.translator(answer.locale)
        for reply in answer.replies:
            stdout.write(numbered(render(reply, tr, SLASH_COMMANDS), tr) + "\n\n")
        stdout.write("> ")
        stdout.flush()
        # readline blocks; a worker thread keeps the event loop (and the web server) serving.
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            stdout.write("\n")
            return
        inbound = parse(line)
