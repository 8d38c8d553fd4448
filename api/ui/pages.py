"""How a staff page answers: templates rendered in the request's language with the session's
CSRF token and a one-shot flash message; security headers; errors as pages.

Forms post and redirect (POST → 303 → GET), carrying the outcome in the flash cookie. Errors
never reach the browser as tracebacks or JSON: ``UiRoute`` turns them into a page (or, for a
form, a flash on the page the form came from) in the page's language.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from api.auth import Principal
from api.errors import (
    ForbiddenError,
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    ServiceError,
)
from api.models.review import REASON_CODES
from api.ui.i18n import LANG_COOKIE, LANGS, Lang, Translator, pick_language
from api.ui.session import (
    CSRF_FIELD,
    FLASH_COOKIE,
    CsrfError,
    pop_flash,
    read_session,
    set_flash,
    write_session,
)

__all__ = [
    "CSP",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "UiRoute",
    "page_language",
    "redirect",
    "render",
    "templates",
]

logger = logging.getLogger("api")

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=TEMPLATES_DIR)


# --- errors as pages ------------------------------------------------------------------------


def page_language(request: Request) -> Lang:
    return pick_language(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get(LANG_COOKIE),
        accept=request.headers.get("accept-language"),
    )


def _error_message(t: Translator, exc: Exception) -> tuple[int, str]:
    if isinstance(exc, CsrfError):
        return 403, t("error.csrf")
    if isinstance(exc, ForbiddenError):
        return 403, t("error.forbidden")
    if isinstance(exc, NotFoundError):
        return 404, t("error.not_found") + f" ({exc})"
    if isinstance(exc, InvalidInputError):
        detail = "; ".join(f"{p.loc[-1]}: {p.msg}" for p in exc.problems)
        return 422, t("error.invalid", detail=detail)
    if isinstance(exc, RequestValidationError):
        detail = "; ".join(
            f"{err.get('loc', ('?',))[-1]}: {err.get('msg', 'invalid')}" for err in exc.errors()
        )
        return 422, t("error.invalid", detail=detail)
    if isinstance(exc, ServiceError):
        return exc.status_code, str(exc)
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail)
    if isinstance(exc, OperationalError):
        return 503, t("error.busy")
    error_id = uuid.uuid4().hex[:12]
    frames = "\n".join(
        f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(exc.__traceback__)
    )
    # As api.errors: the type and where, never the message (it may quote personal data).
    logger.error(
        "unhandled %s in a staff page (error id %s)\n%s", type(exc).__name__, error_id, frames
    )
    return 500, t("error.internal", error_id=error_id)


def _error_page(request: Request, exc: Exception) -> Response:
    t = Translator(page_language(request))
    status, message = _error_message(t, exc)
    if request.method == "POST" and status < 500:
        # A form: back to the page it came from, the problem shown there.
        back = request.headers.get("referer") or "/ui/dashboard"
        target = back if _same_site(request, back) else "/ui/dashboard"
        response: Response = RedirectResponse(target, status_code=303)
        set_flash(request, response, "error", message)
        return response
    response = templates.TemplateResponse(
        request,
        "error.html",
        _context(request, t, principal=None, message=message),
        status_code=status,
    )
    write_session(request, response, read_session(request))
    _protect(response)
    return response


def _same_site(request: Request, url: str) -> bool:
    base = str(request.base_url).rstrip("/")
    return url.startswith(base + "/ui") or url.startswith("/ui")


class UiRoute(APIRoute):
    """A page route: a request that is not signed in goes to the sign-in page; any error
    becomes a page (or a flash), never a traceback or a JSON body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except NotAuthenticatedError:
                target = request.url.path
                if request.method != "GET":
                    target = "/ui/dashboard"
                elif request.url.query:
                    target += "?" + request.url.query
                return RedirectResponse(
                    "/ui/signin?" + urlencode({"next": target}), status_code=303
                )
            except Exception as exc:
                return _error_page(request, exc)

        return page


# --- rendering ------------------------------------------------------------------------------


def _context(
    request: Request, t: Translator, *, principal: Principal | None, **values: Any
) -> dict[str, Any]:
    session = read_session(request)
    return {
        "t": t,
        "lang": t.lang,
        "other_lang": next(code for code in LANGS if code != t.lang),
        "csrf_field": CSRF_FIELD,
        "csrf": session.csrf,
        "principal": principal,
        "path": request.url.path,
        "reason_codes": REASON_CODES,
        **values,
    }


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None,
    status_code: int = 200,
    **values: Any,
) -> Response:
    """The page, in the request's language (``?lang=`` is remembered in a cookie), with this
    session's CSRF token and any flash message."""
    t = Translator(page_language(request))
    flash = pop_flash(request)
    response = templates.TemplateResponse(
        request,
        template,
        _context(request, t, principal=principal, flash=flash, **values),
        status_code=status_code,
    )
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/ui")
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(
            LANG_COOKIE,
            t.lang,
            max_age=365 * 86400,
            path="/ui",
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    write_session(request, response, read_session(request))
    _protect(response)
    return response


#: Pages load only this site's stylesheet and script, post only to it, and are never framed.
CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


def _protect(response: Response) -> None:
    """Headers of every page: no caching of staff data, no framing (clickjacking)."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"


def redirect(request: Request, url: str, kind: str, message: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    set_flash(request, response, kind, message)
    return response
