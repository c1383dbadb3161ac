"""The FastAPI application: `create_app(settings)` wires settings, services, middleware and routers.

Never imports torch (retraining runs in the worker; the retrain route imports only the torch-free
`chronogan.training.api.validate_upload`, lazily).
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from chronogan.service.api.admission import GenerationGate
from chronogan.service.api.deps import Services
from chronogan.service.api.errors import install_error_handlers
from chronogan.service.api.logs import configure_logging
from chronogan.service.api.metrics import Metrics
from chronogan.service.api.middleware import BodyLimitMiddleware, EarlyRefusalMiddleware, RequestContextMiddleware
from chronogan.service.api.openapi import install_openapi
from chronogan.service.api.registry import ModelRegistry
from chronogan.service.api.routers import batches, generate, health, jobs, models, retrain
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.executor import LocalExecutor
from chronogan.service.jobs.store import JobStore
from fastapi import FastAPI

from chronogan.artifacts.store import ModelStore

_UPLOAD_ROUTE = re.compile(r"^/v1/models/[^/]+/retrain/?$")

DESCRIPTION = """Synthetic time series from LSTM GANs, served from ONNX.

* Small requests: `POST /v1/models/{name}/generate` (JSON, CSV, NDJSON, Parquet).
* Large requests: `POST /v1/models/{name}/batches`, then poll `GET /v1/jobs/{id}` and download the result.
* New data: `POST /v1/models/{name}/retrain` (multipart upload) trains a version in the background.

Errors are RFC 9457 problem documents (`application/problem+json`). Their `type` says whose rule was broken:
`urn:chronogan:problem:validation` — the body or query breaks this document's schema (every rule it can
state is in it: patterns, enums, bounds, media types); `urn:chronogan:problem:invalid-input` — the store's
name/version rule (also published as the parameters' patterns) or a rule that depends on the model or the
uploaded table, stated in the field's description (`context`, `start`, the retrain `file`);
`...:too-many-sequences` — the synchronous limit (`n_sequences`' maximum).

When the server has an API key, mutating routes need `X-API-Key` (401 without it, 403 with a wrong one).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging()
    store = ModelStore(settings.store)
    store.root.mkdir(parents=True, exist_ok=True)
    job_store = JobStore(settings.jobs_db_path)
    services = Services(
        settings=settings,
        store=store,
        registry=ModelRegistry(store, threads=settings.ort_threads, max_loaded=settings.max_loaded_versions),
        jobs=job_store,
        # The API only enqueues; handlers are never run in this process (no torch, no long work).
        executor=LocalExecutor(settings, job_store, handlers={}),
        metrics=Metrics(),
        gate=GenerationGate(settings.generate_slots, settings.generate_max_wait_seconds),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.warm_on_start:
            # In the background: the app answers /healthz at once, /readyz turns 200 once sessions are warm.
            threading.Thread(target=services.registry.warm_active, name="warm-models", daemon=True).start()
        yield

    app = FastAPI(title="chronogan", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.services = services
    install_error_handlers(app)
    install_openapi(app, settings)
    for router in (
        health.router,
        models.router,
        generate.router,
        batches.router,
        retrain.router,
        jobs.router,
    ):
        app.include_router(router)

    def body_limit(path: str) -> int:
        return settings.max_upload_bytes if _UPLOAD_ROUTE.match(path) else settings.max_body_bytes

    # Added last = outermost: the request context wraps everything, so even 413s are logged and timed.
    app.add_middleware(EarlyRefusalMiddleware, gate=services.gate, metrics=services.metrics)
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    app.add_middleware(RequestContextMiddleware, metrics=services.metrics)
    return app


def app_from_environment() -> FastAPI:
    """The app for each `chronogan serve --workers N` process (uvicorn imports it by name): its settings
    come from the CHRONOGAN_* variables that serve exported."""
    return create_app(Settings())
