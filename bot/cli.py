"""Command line: parse arguments and call into the application."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings
from bot.i18n import CatalogError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jourbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the service with every configured channel")
    console = commands.add_parser("console", help="be a seeker in the terminal")
    console.add_argument("--session", help="resume the conversation with this name")
    commands.add_parser("migrate", help="bring the database schema up to date")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the jourbot command line."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(os.environ)
        return asyncio.run(_dispatch(args, settings))
    except (ConfigError, CatalogError) as exc:
        print(f"jourbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import app  # imported here so `jourbot --help` stays fast

    if args.command == "run":
        app.configure_logging()
        await app.serve(settings)
    elif args.command == "console":
        app.configure_logging(logging.WARNING)
        await app.console(settings, session=args.session)
    elif args.command == "migrate":
        from bot.storage.database import Database

        database = await Database.open(settings.db_path)
        version = await database.schema_version()
        await database.close()
        print(f"database {settings.db_path} at schema version {version}")
    return 0
