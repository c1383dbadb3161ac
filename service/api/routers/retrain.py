"""Retraining from an uploaded table: validate now, train in a worker, then the quality gate."""

from __future__ import annotations

import json
import shutil
from typing import Annotated, Any

from chronogan.service.api.auth import RequireApiKey
from chronogan.service.api.deps import ModelName, ServicesDep, annotate
from chronogan.service.api.errors import ApiError, FieldError, problem_responses
from chronogan.service.api.job_views import accepted
from chronogan.service.api.schemas import JobOut, RetrainOptions
from chronogan.service.api.uploads import UPLOAD_MEDIA_TYPES, save_upload, upload_suffix
from chronogan.service.jobs.store import JobConflictError, new_job_id
from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from chronogan.artifacts.errors import NotFoundError, UserInputError

router = APIRouter(prefix="/v1/models", tags=["retrain"])

_OPTIONS_EXAMPLE = json.dumps(RetrainOptions.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]


@router.post(
    "/{name}/retrain",
    status_code=202,
    response_model=JobOut,
    summary="Train a new version from an uploaded CSV/Parquet table",
    description=(
        "Multipart upload: `file` (the table) and optional `options` (JSON: schema overrides "
        "`sequence_key`, `time_column`, `categorical`, `context`, `ignore`; `model_type`, `max_minutes`, "
        "`mode` fresh|warm, `promote`). The table is validated before the job is queued (422 lists every "
        "problem). The model is created if new. 409 while another retrain of the model is queued or "
        "running. The new version goes live if the model had none, if `promote` is true, or if it passes "
        "the quality gate; the job's result records the decision."
    ),
    dependencies=[RequireApiKey],
    responses=problem_responses(400, 401, 403, 409, 413, 422, 503, 507),
    # The multipart parts' accepted content types (the route reads the file's type from its name, else
    # from these) and `options` as the JSON object it is parsed into: the same definitions the route uses.
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "encoding": {
                        "file": {"contentType": ", ".join(UPLOAD_MEDIA_TYPES)},
                        "options": {"contentType": "application/json"},
                    }
                }
            }
        }
    },
)
async def retrain(
    name: ModelName,
    request: Request,
    response: Response,
    services: ServicesDep,
    file: Annotated[
        UploadFile,
        File(
            description="The training table: CSV (.csv, .csv.gz, .tsv, .txt) or Parquet (.parquet, .pq), "
            "by its filename or its part's Content-Type. Data-dependent: the table must have a header row and "
            "enough rows, and the options must fit its columns; otherwise 422, problem type "
            "`urn:chronogan:problem:invalid-input`, listing every problem."
        ),
    ],
    options: Annotated[str | None, Form(description="JSON options", examples=[_OPTIONS_EXAMPLE])] = None,
) -> JobOut:
    opts = _parse_options(options)
    suffix = upload_suffix(file.filename, file.content_type)
    if opts.mode == "warm" and not _has_active(services, name):
        raise UserInputError(
            f"mode 'warm' needs an active version of model {name!r}; use 'fresh'", field="options.mode"
        )
    # SQLite calls may wait on a lock: keep them off the event loop (this route is async for the upload).
    await run_in_threadpool(_refuse_if_busy, services, name)  # early answer; enqueue re-checks atomically

    job_id = new_job_id()
    job_dir = services.settings.jobs_dir_path / job_id
    dest = job_dir / f"upload{suffix}"
    try:
        size = await save_upload(file, dest)
        train_options = opts.training_options()
        await run_in_threadpool(_validate_upload, dest, train_options)
        params: dict[str, Any] = {
            "model": name,
            "upload": str(dest),
            "filename": file.filename,
            "bytes": size,
            "options": train_options,
            "promote": opts.promote,
        }
        job = await run_in_threadpool(
            services.jobs.enqueue, "retrain", params, model=name, job_id=job_id, unique_per_model=True
        )
    except BaseException:
        shutil.rmtree(job_dir, ignore_errors=True)
        raise
    services.executor.submit(job.id)
    annotate(request, job_id=job.id, upload_bytes=size)
    return accepted(job, response)


def _parse_options(raw: str | None) -> RetrainOptions:
    if raw is None or not raw.strip():
        return RetrainOptions()
    try:
        return RetrainOptions.model_validate_json(raw)
    except ValidationError as exc:
        errors = [
            FieldError(field=".".join(["options", *(str(p) for p in e["loc"])]), message=e["msg"]) for e in exc.errors()
        ]
        raise ApiError(
            422, "Invalid options", "the `options` form field is not valid", kind="validation", errors=errors
        ) from exc


def _has_active(services: ServicesDep, name: str) -> bool:
    try:
        return services.store.active_version(name) is not None
    except NotFoundError:
        return False


def _refuse_if_busy(services: ServicesDep, name: str) -> None:
    for state in ("queued", "running"):
        for job in services.jobs.list_jobs(state=state, model=name):
            if job.kind == "retrain":
                raise JobConflictError(f"a retrain of model {name!r} is already {state} (job {job.id})")


def _validate_upload(path: Any, options: dict[str, Any]) -> None:
    try:
        from chronogan.training.api import validate_upload
    except ImportError as exc:  # the serve-only install has no training package dependencies
        raise ApiError(
            503,
            "Retraining unavailable",
            f"this installation cannot train models ({exc})",
            kind="unavailable",
        ) from exc
    validate_upload(path, options)
