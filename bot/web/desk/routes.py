"""Every route of the desk, and its assets (served by the app itself, never a CDN)."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.web.desk.cases import CasePages
from bot.web.desk.context import DESK, DeskContext
from bot.web.desk.office import Office
from bot.web.desk.sign_in import SignIn

STATIC = Path(__file__).resolve().parent.parent / "static"


def desk_routes(desk: DeskContext) -> list[BaseRoute]:
    """Return the desk's routes and its static assets."""
    return [
        *SignIn(desk).routes(),
        *CasePages(desk).routes(),
        *Office(desk).routes(),
        Mount(f"{DESK}/static", StaticFiles(directory=STATIC), name="desk-static"),
    ]
