"""The service's errors, and how every error becomes an HTTP answer — in this one place.

Domain code raises ``ServiceError`` subclasses (never ``HTTPException``); errors from the core
(``MatchingError``, ``TaxonomyError``) and the database are mapped here too. Two ASGI
middlewares complete the picture: ``BodyLimitMiddleware`` answers 413 for bodies over the
configured limits, and ``CatchAllMiddleware`` turns any other exception into a generic JSON 500
with an error id, logging the exception type and the traceback's frame locations, never its
message, source lines or query string (which may hold personal data).
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matching.errors import InfeasibleError, MatchingError
from skills_taxonomy.errors import TaxonomyError

__all__ = [
    "ERROR_RESPONSES",
    "BodyLimitMiddleware",
    "CatchAllMiddleware",
    "ConflictError",
    "ErrorResponse",
    "FieldProblem",
    "ForbiddenError",
    "InvalidInputError",
    "NotAuthenticatedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ServiceError",
    "ValidationErrorResponse",
    "install_error_handlers",
]

logger = logging.getLogger("api")


# --- the hierarchy --------------------------------------------------------------------------


class ServiceError(Exception):
    """Root of the errors the service raises on purpose; ``status_code`` is its HTTP status."""

    status_code = 400


class NotAuthenticatedError(ServiceError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("missing or invalid bearer token")


class ForbiddenError(ServiceError):
    """The caller's role may never call this route (a foreign *object* is a 404 instead)."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__("your role may not call this operation")


class NotFoundError(ServiceError):
    """Missing, or belonging to another tenant: the two are indistinguishable on purpose."""

    status_code = 404

    def __init__(self, resource: str, identifier: object) -> None:
        super().__init__(f"{resource} {identifier} not found")
        self.resource = resource
        self.identifier = identifier


class ConflictError(ServiceError):
    status_code = 409


class PayloadTooLargeError(ServiceError):
    status_code = 413

    def __init__(self, *, limit: int, unit: str = "bytes") -> None:
        super().__init__(f"request too large: the limit is {limit} {unit}")
        self.limit = limit
        self.unit = unit


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid value: where (``loc``, e.g. ``("body", "country")`` or ``("row", 12,
    "birth_date")``), what is wrong (``msg``), and a machine-readable ``type``."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"


class InvalidInputError(ServiceError):
    status_code = 422

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        super().__init__(f"{len(problems)} invalid value(s)")
        self.problems = tuple(problems)


# --- response bodies, as documented in the OpenAPI schema -----------------------------------


class ErrorResponse(BaseModel):
    detail: str = Field(max_length=1000)
    error_id: str | None = Field(default=None, max_length=32)


class ValidationProblem(BaseModel):
    loc: list[Annotated[str, Field(max_length=200)] | int] = Field(max_length=16)
    msg: str = Field(max_length=1000)
    type: str = Field(max_length=100)


class ValidationErrorResponse(BaseModel):
    detail: list[ValidationProblem] = Field(max_length=100_000)


def _doc(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"model": model, "description": description}


#: Error answers every authenticated route may give; routers declare them for the OpenAPI doc.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc(ErrorResponse, "Malformed request (e.g. a body that is not UTF-8 JSON)"),
    401: _doc(ErrorResponse, "Missing or invalid bearer token"),
    403: _doc(ErrorResponse, "The caller's role may never call this operation"),
    404: _doc(ErrorResponse, "Not found (or another tenant's)"),
    409: _doc(ErrorResponse, "Conflicts with existing data"),
    413: _doc(ErrorResponse, "Request body over the configured limit"),
    422: _doc(ValidationErrorResponse, "Invalid input, with the field of each problem"),
    500: _doc(ErrorResponse, "Unexpected error (logged under error_id)"),
    503: _doc(ErrorResponse, "The database is busy; retry"),
}


# --- mapping --------------------------------------------------------------------------------


def _error(status: int, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _problems(problems: Sequence[FieldProblem]) -> JSONResponse:
    body = [{"loc": list(p.loc), "msg": p.msg, "type": p.type} for p in problems]
    return JSONResponse({"detail": body}, status_code=422)


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, InvalidInputError):
        return _problems(exc.problems)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticatedError) else None
    return _error(exc.status_code, str(exc), headers)


async def _request_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, minus the echo of the submitted value (it may be personal data)."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        FieldProblem(
            loc=tuple(err.get("loc", ())),
            msg=str(err.get("msg", "invalid")),
            type=str(err.get("type", "value_error")),
        )
        for err in exc.errors()
    ]
    return _problems(problems)


async def _http_exception(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return _error(exc.status_code, str(exc.detail), exc.headers)


async def _integrity_error(_request: Request, _exc: Exception) -> JSONResponse:
    # The driver's message quotes the offending values: never pass it on.
    return _error(409, "conflicts with existing data (a duplicate or a missing reference)")


async def _data_error(_request: Request, _exc: Exception) -> JSONResponse:
    # A value the database cannot hold (e.g. NUL in a PostgreSQL query parameter).
    return _error(422, "a value cannot be stored or searched for (e.g. a NUL character)")


async def _operational_error(_request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", type(exc).__name__)
    return _error(503, "the database is busy or unavailable; retry", {"Retry-After": "1"})


async def _matching_error(_request: Request, exc: Exception) -> JSONResponse:
    return _error(409 if isinstance(exc, InfeasibleError) else 422, str(exc))


async def _taxonomy_error(_request: Request, exc: Exception) -> JSONResponse:
    return _error(422, str(exc))


def install_error_handlers(app: FastAPI, *, max_json_bytes: int, max_upload_bytes: int) -> None:
    """Register every mapping above on ``app``, and the two middlewares."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(PoolTimeoutError, _operational_error)
    app.add_exception_handler(MatchingError, _matching_error)
    app.add_exception_handler(TaxonomyError, _taxonomy_error)
    # Added last, so outermost: it also sees what the body limit answers.
    app.add_middleware(
        BodyLimitMiddleware, max_json_bytes=max_json_bytes, max_upload_bytes=max_upload_bytes
    )
    app.add_middleware(CatchAllMiddleware)


# --- middlewares ----------------------------------------------------------------------------

#: Content types that are uploads (files, JSON Lines): they get the upload limit.
UPLOAD_CONTENT_TYPES = (
    "multipart/form-data",
    "text/csv",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/x-ndjson",
    "application/jsonl",
    "application/jsonlines",
)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class BodyLimitMiddleware:
    """413 for a request body over its limit: the JSON limit, or the upload limit for upload
    content types. Checked on ``Content-Length`` up-front and on the bytes actually received."""

    def __init__(self, app: ASGIApp, *, max_json_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        upload = content_type in UPLOAD_CONTENT_TYPES
        limit = self.max_upload_bytes if upload else self.max_json_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            status = 413 if declared.isdigit() else 400
            detail = (
                str(PayloadTooLargeError(limit=limit))
                if status == 413
                else "invalid Content-Length header"
            )
            await _error(status, detail)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the route's body read: FastAPI passes HTTPException through.
                    raise HTTPException(413, str(PayloadTooLargeError(limit=limit)))
            return message

        await self.app(scope, limited_receive, send)


def _frames(exc: BaseException) -> str:
    """Where the exception passed: file, line and function of each frame — no source lines
    and no values."""
    return "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
    )


class CatchAllMiddleware:
    """Any exception no handler took: a generic JSON 500 naming an error id, logged without
    the exception's message (which may quote personal data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            error_id = uuid.uuid4().hex[:12]
            logger.error(
                "unhandled %s in %s %s (error id %s)\n%s",
                type(exc).__name__,
                scope.get("method", "?"),
                scope.get("path", "?"),
                error_id,
                _frames(exc),
            )
            if started:  # too late to answer: the connection just ends
                return
            response = JSONResponse(
                {"detail": "internal server error", "error_id": error_id}, status_code=500
            )
            await response(scope, receive, send)
