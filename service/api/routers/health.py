"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import os

from chronogan.service.api import metrics as metrics_mod
from chronogan.service.api.deps import ServicesDep
from chronogan.service.api.schemas import Health, Readiness
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: store readable and a model session warm",
    responses={503: {"model": Readiness, "description": "Not ready (store unreadable, no session warm)"}},
)
def readyz(services: ServicesDep) -> JSONResponse:
    root = services.store.root
    registry = services.registry
    loaded = [f"{n}/{v}" for n, v in registry.loaded()]
    failed = {f"{n}/{v}": e for (n, v), e in registry.failures().items()}
    detail = None
    try:
        os.listdir(root)
        models = services.store.list_models()
        servable = [m for m in models if services.store.active_version(m) is not None]
    except OSError as exc:
        servable, detail = [], f"model store {root} is not readable: {exc.strerror}"
    else:
        if servable and not loaded:
            detail = "no model session is warm yet" + (" (some versions failed to load)" if failed else "")
    ready = detail is None
    body = Readiness(
        status="ready" if ready else "not_ready", store=str(root), loaded=loaded, failed=failed, detail=detail
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {metrics_mod.CONTENT_TYPE: {}}, "description": "Text exposition format"}},
)
def metrics(services: ServicesDep) -> Response:
    text = services.metrics.render(services.jobs.count_by_state)
    return Response(text, media_type=metrics_mod.CONTENT_TYPE)
