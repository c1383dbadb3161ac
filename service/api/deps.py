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
from fastapi import Depends, Path, Request

from chronogan.artifacts.store import (
    NAME_MAX_LENGTH,
    NAME_PATTERN,
    VERSION_PATTERN,
    ModelStore,
    validate_model_name,
    validate_version,
)


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


# The store's own name/version rules, published in the OpenAPI document (`json_schema_extra`, so the
# check itself stays `validate_model_name`/`validate_version` with their messages, not a generic one).
_NAME_PARAM = Path(
    description=f"Model name: 1-{NAME_MAX_LENGTH} letters, digits, '_', '-' or '.', starting with a letter or "
    "digit, no '..'. Otherwise: 422 naming the field `name`.",
    examples=["sales"],
    json_schema_extra={"pattern": NAME_PATTERN, "maxLength": NAME_MAX_LENGTH, "minLength": 1},
)
_VERSION_PARAM = Path(
    description="Version: `v` and a number (`v1`, `v2`, ...). Otherwise: 422 naming the field `version`.",
    examples=["v2"],
    json_schema_extra={"pattern": VERSION_PATTERN},
)


def model_name(name: Annotated[str, _NAME_PARAM], request: Request) -> str:
    """Path parameter `name`, checked to be a safe model name (422 otherwise)."""
    annotate(request, model=name)
    return validate_model_name(name)


def version_param(version: Annotated[str, _VERSION_PARAM], request: Request) -> str:
    """Path parameter `version`, checked to look like `v<N>` (422 otherwise)."""
    annotate(request, version=version)
    return validate_version(version)


ModelName = Annotated[str, Depends(model_name)]
VersionParam = Annotated[str, Depends(version_param)]
