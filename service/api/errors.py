"""One error shape for every response: RFC 9457 problem details (`application/problem+json`).

`{"type", "title", "status", "detail", "errors": [{"field", "message"}]}` — for our own errors, the
library's (`UserInputError`, `NotFoundError`, ...), FastAPI's request validation and Starlette's routing
errors alike. Unexpected exceptions become a bare 500: the stack trace goes to the log, never to the client.
"""

from __future__ import annotations

import errno
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from chronogan.artifacts.errors import ArtifactIntegrityError, ConflictError, NotFoundError, UserInputError

log = logging.getLogger("chronogan.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_PREFIX = "urn:chronogan:problem:"


class FieldError(BaseModel):
    field: str | None = Field(None, examples=["n_sequences"])
    message: str = Field(examples=["Input should be greater than or equal to 1"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["urn:chronogan:problem:validation"])
    title: str = Field(examples=["Request validation failed"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["1 problem with the request"])
    errors: list[FieldError] = []


class ApiError(Exception):
    """Raise anywhere in a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        kind: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind or _slug(title)
        self.errors = errors or []
        self.headers = headers


def _slug(title: str) -> str:
    return "-".join(title.lower().split())


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(type=_TYPE_PREFIX + kind, title=title, status=status, detail=detail, errors=errors or [])
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def api_error_response(exc: ApiError) -> JSONResponse:
    """The problem document for an ApiError (the exception handler's answer; middleware sends it directly)."""
    return problem_response(exc.status, exc.title, exc.detail, kind=exc.kind, errors=exc.errors, headers=exc.headers)


def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return api_error_response(exc)


def _user_input(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UserInputError)
    errors = [FieldError(field=exc.field, message=p) for p in exc.problems]
    detail = exc.problems[0] if len(exc.problems) == 1 else f"{len(exc.problems)} problems with the request"
    return problem_response(422, "Invalid input", detail, kind="invalid-input", errors=errors)


def _not_found(_: Request, exc: Exception) -> JSONResponse:
    return problem_response(404, "Not found", str(exc), kind="not-found")


def _conflict(_: Request, exc: Exception) -> JSONResponse:
    return problem_response(409, "Conflict", str(exc), kind="conflict")


def _integrity(_: Request, exc: Exception) -> JSONResponse:
    # The version's files are broken: nothing the caller can fix, and other versions keep serving.
    return problem_response(
        503, "Model version unavailable", f"{exc}; activate another version", kind="model-unavailable"
    )


def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(field=_loc(e.get("loc", ())), message=str(e.get("msg", ""))) for e in exc.errors()]
    noun = "problem" if len(errors) == 1 else "problems"
    return problem_response(
        422,
        "Request validation failed",
        f"{len(errors)} {noun} with the request",
        kind="validation",
        errors=errors,
    )


def _loc(loc: Any) -> str | None:
    # ("body", "context", "region") -> "context.region"; the first element only says where it came from.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form"):
        parts = parts[1:]
    return ".".join(parts) or None


def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 413: "Payload too large"}.get(
        exc.status_code, "HTTP error"
    )
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem_response(exc.status_code, title, detail, kind=_slug(title), headers=getattr(exc, "headers", None))


def _os_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OSError)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        # The server's disk is full: a condition the operator fixes and the client retries, not a bug.
        log.error("disk full", extra={"path": request.url.path, "error": str(exc)})
        return problem_response(
            507,
            "Insufficient storage",
            "the server has no space left to store this request; retry later",
            kind="insufficient-storage",
        )
    return _unexpected(request, exc)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", extra={"path": request.url.path})
    return problem_response(500, "Internal error", "an unexpected error occurred; see the server log", kind="internal")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(UserInputError, _user_input)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(ArtifactIntegrityError, _integrity)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OSError, _os_error)
    app.add_exception_handler(Exception, _unexpected)


# For `responses=` in route decorators, so OpenAPI documents the problem shape.
def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}} for s in statuses}
