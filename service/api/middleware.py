"""Pure ASGI middleware: request ids, access logs + latency metrics, and request body limits.

Pure ASGI (not BaseHTTPMiddleware) so streamed responses are timed to their last byte and upload bodies
are counted as they arrive instead of being buffered.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from chronogan.service.api.admission import GenerationGate, overloaded_error
from chronogan.service.api.errors import api_error_response, problem_response
from chronogan.service.api.metrics import Metrics
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("chronogan.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class RequestContextMiddleware:
    """Gives each request an id (`X-Request-ID`, echoed), logs one JSON line per request and records the
    latency histogram. Routes add model/version/seed/n_sequences with `chronogan.service.api.deps.annotate`."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["log"] = {}
        started = time.perf_counter()
        status = 500
        logged = False

        def finish() -> None:
            nonlocal logged
            if logged:
                return
            logged = True
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe_request(scope["method"], route, status, elapsed)
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                    **state["log"],
                },
            )

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                finish()

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            finish()


class BodyTooLarge(StarletteHTTPException):
    """An HTTPException so that FastAPI's body reader re-raises it instead of turning it into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than the limit of {limit} bytes")


class BodyLimitMiddleware:
    """Refuses bodies over a per-route limit: by Content-Length up front, else while they stream in."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            response = problem_response(413, "Payload too large", BodyTooLarge(limit).detail, kind="payload-too-large")
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


_GENERATE_ROUTE = re.compile(r"^/v1/models/(?P<name>[^/]+)/generate/?$")


class EarlyRefusalMiddleware:
    """Refuses `POST .../generate` with the 503 at once, before its body is read, when the generation gate
    would refuse it anyway (`GenerationGate.refusal`). The route still takes its slot through the gate, which
    decides again: this is only the cheap path for the answer that is already known."""

    def __init__(self, app: ASGIApp, gate: GenerationGate, metrics: Metrics) -> None:
        self.app = app
        self.gate = gate
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match = _GENERATE_ROUTE.match(scope["path"])
            refusal = self.gate.refusal() if match else None
            if match and refusal is not None:
                self.metrics.add_rejected(match["name"])
                await api_error_response(overloaded_error(refusal))(scope, receive, send)
                return
        await self.app(scope, receive, send)
