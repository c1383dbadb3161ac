"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import os

from chronogan.service.api import metrics as metrics_mod
from chronogan.service.api.deps import Services, ServicesDep
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
        broken = _broken_active(services, servable, failed)
        if broken:
            detail = "active version(s) cannot be served: " + "; ".join(f"{k}: {e}" for k, e in broken.items())
            failed = {**failed, **broken}
        elif servable and not loaded:
            detail = "no model session is warm yet" + (" (some versions failed to load)" if failed else "")
    ready = detail is None
    body = Readiness(
        status="ready" if ready else "not_ready", store=str(root), loaded=loaded, failed=failed, detail=detail
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ready else 503)


def _broken_active(services: Services, models: list[str], failed: dict[str, str]) -> dict[str, str]:
    """Active versions that failed to load, or whose manifest or graph file is gone (cheap checks only: a
    probe must not load every model; loading verifies the checksums and records failures)."""
    broken: dict[str, str] = {}
    for name in models:
        version = services.store.active_version(name)
        key = f"{name}/{version}"
        if version is None or services.registry.status(name, version) == "loaded":
            continue
        if key in failed:
            broken[key] = failed[key]
            continue
        try:
            manifest = services.store.read_manifest(name, version)
        except Exception as exc:  # unreadable or invalid manifest
            broken[key] = f"manifest unreadable ({type(exc).__name__})"
            continue
        folder = services.store.version_dir(name, version)
        missing = [f for f in manifest.files if not (folder / f).is_file()]
        if missing:
            broken[key] = f"missing file(s) {', '.join(sorted(missing)[:3])}"
    return broken


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {metrics_mod.CONTENT_TYPE: {}}, "description": "Text exposition format"}},
)
def metrics(services: ServicesDep) -> Response:
    text = services.metrics.render(services.jobs.count_by_state)
    return Response(text, media_type=metrics_mod.CONTENT_TYPE)
