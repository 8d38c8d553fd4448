"""The staff pages: server-rendered HTML under ``/ui`` (issue 7), in English and French.

``mount_ui(app)`` adds the page routes (``api.ui.routes``) and the static files (one stylesheet,
one small script: no front-end build, nothing fetched from elsewhere). The pages call the same
services as the API; sessions, CSRF and who may open a page are ``api.ui.session``'s; the words
are ``api.ui.i18n``'s; charts are SVG drawn on the server (``api.ui.charts``).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.ui.routes import STATIC_DIR, router

__all__ = ["UI_PREFIX", "mount_ui"]

UI_PREFIX = "/ui"


def mount_ui(app: FastAPI) -> None:
    app.include_router(router, prefix=UI_PREFIX)
    app.mount(f"{UI_PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
