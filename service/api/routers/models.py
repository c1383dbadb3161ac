"""Model listing, details and activation (rollback is activating an older version)."""

from __future__ import annotations

from chronogan.service.api.auth import RequireApiKey
from chronogan.service.api.deps import ModelName, Services, ServicesDep, VersionParam
from chronogan.service.api.errors import ApiError, problem_responses
from chronogan.service.api.schemas import ColumnOut, ModelDetail, ModelList, ModelSummary, VersionOut
from fastapi import APIRouter

from chronogan.artifacts.errors import ArtifactIntegrityError
from chronogan.artifacts.evaluation import version_metrics
from chronogan.artifacts.manifest import Manifest

router = APIRouter(prefix="/v1/models", tags=["models"])


@router.get("", response_model=ModelList, summary="List models")
def list_models(services: ServicesDep) -> ModelList:
    store = services.store
    return ModelList(
        models=[
            ModelSummary(name=n, active_version=store.active_version(n), versions=store.list_versions(n))
            for n in store.list_models()
        ]
    )


@router.get(
    "/{name}",
    response_model=ModelDetail,
    summary="A model's versions and the columns it generates",
    responses=problem_responses(404, 422),
)
def get_model(name: ModelName, services: ServicesDep) -> ModelDetail:
    return model_detail(services, name)


@router.post(
    "/{name}/versions/{version}/activate",
    response_model=ModelDetail,
    summary="Make a version the active one (also: roll back)",
    description="The version is loaded and checksum-verified first; a broken version is refused (409).",
    dependencies=[RequireApiKey],
    responses=problem_responses(401, 403, 404, 409, 422),
)
def activate(name: ModelName, version: VersionParam, services: ServicesDep) -> ModelDetail:
    try:
        services.registry.get(name, version)
    except ArtifactIntegrityError as exc:
        raise ApiError(409, "Conflict", f"refusing to activate a broken version: {exc}", kind="conflict") from exc
    services.store.set_active(name, version)
    return model_detail(services, name)


@router.get(
    "/{name}/versions/{version}",
    response_model=VersionOut,
    summary="One version: status, quality gate, privacy check and every metric",
    responses=problem_responses(404, 422),
)
def get_version(name: ModelName, version: VersionParam, services: ServicesDep) -> VersionOut:
    manifest = services.store.read_manifest(name, version)  # NotFoundError -> 404
    active = services.store.active_version(name)
    return _version_out(services, name, version, manifest, active, services.registry.failures())


def _version_out(
    services: Services, name: str, version: str, m: Manifest, active: str | None, failures: dict
) -> VersionOut:
    metrics = version_metrics(services.store.version_dir(name, version), m)
    recorded = metrics.get("evaluation")
    evaluation: dict = recorded if isinstance(recorded, dict) else {}
    return VersionOut(
        version=version,
        active=version == active,
        status=services.registry.status(name, version),
        created_at=m.created_at,
        model_type=m.model_type,
        metrics=metrics,
        # The gate's check on held-out data, else the one `chronogan evaluate --holdout` recorded.
        privacy=metrics.get("privacy") or evaluation.get("privacy"),
        error=failures.get((name, version)),
    )


def model_detail(services: Services, name: str) -> ModelDetail:
    store, registry = services.store, services.registry
    versions = store.list_versions(name)  # NotFoundError -> 404
    active = store.active_version(name)
    failures = registry.failures()
    out: list[VersionOut] = []
    manifests: dict[str, Manifest] = {}
    for v in versions:
        try:
            m = store.read_manifest(name, v)
        except Exception as exc:  # an unreadable manifest must not hide the other versions
            out.append(VersionOut(version=v, active=v == active, status="unreadable", error=str(exc)))
            continue
        manifests[v] = m
        out.append(_version_out(services, name, v, m, active, failures))
    detail = ModelDetail(name=name, active_version=active, versions=out)
    shown = manifests.get(active or "") or (manifests[max(manifests, key=versions.index)] if manifests else None)
    if shown is not None:
        schema = shown.table_schema
        detail.layout = schema.layout
        detail.seq_len = schema.seq_len
        detail.id_column = schema.id_column
        detail.time_column = schema.time_column
        detail.columns = [
            ColumnOut(name=c.name, kind=c.kind, is_context=c.is_context, categories=c.categories)
            for c in schema.columns
        ]
        detail.codes = list(shown.graph.codes)
    return detail
