"""What routes depend on: the app's services (one object on `app.state`) and per-request log fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from chronogan.service.api.admission import GenerationGate
from chronogan.service.api.metrics import Metrics
from chronogan.service.api.registry import ModelRegistry
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.executor import JobExecutor
from chronogan.service.jobs.store import JobStore
from fastapi import Depends, Request

from chronogan.artifacts.store import ModelStore, validate_model_name


@dataclass
class Services:
    settings: Settings
    store: ModelStore
    registry: ModelRegistry
    jobs: JobStore
    executor: JobExecutor
    metrics: Metrics
    gate: GenerationGate


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def annotate(request: Request, **fields: Any) -> None:
    """Add fields (model, version, seed, n_sequences, job_id) to this request's access-log line."""
    log_fields = request.scope.setdefault("state", {}).setdefault("log", {})
    log_fields.update({k: v for k, v in fields.items() if v is not None})


def model_name(name: str, request: Request) -> str:
    """Path parameter `name`, checked to be a safe model name (422 otherwise)."""
    annotate(request, model=name)
    return validate_model_name(name)


ModelName = Annotated[str, Depends(model_name)]
