"""Job status, result download, cancellation and retry."""

from __future__ import annotations

from typing import Annotated

from chronogan.service.api.auth import RequireApiKey
from chronogan.service.api.deps import ServicesDep, annotate
from chronogan.service.api.errors import ApiError, problem_responses
from chronogan.service.api.job_views import job_out
from chronogan.service.api.schemas import JobList, JobOut
from chronogan.service.jobs.batch import MEDIA_TYPES
from chronogan.service.jobs.store import JobState
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get(
    "",
    response_model=JobList,
    summary="Recent jobs, newest first",
    responses=problem_responses(422),
)
def list_jobs(
    services: ServicesDep,
    state: Annotated[JobState | None, Query(description="Only jobs in this state.", examples=["running"])] = None,
    model: Annotated[str | None, Query(examples=["sales"])] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JobList:
    return JobList(jobs=[job_out(j) for j in services.jobs.list_jobs(state=state, model=model, limit=limit)])


@router.get(
    "/{job_id}",
    response_model=JobOut,
    summary="A job's state, progress and result",
    responses=problem_responses(404),
)
def get_job(job_id: str, request: Request, services: ServicesDep) -> JobOut:
    annotate(request, job_id=job_id)
    return job_out(services.jobs.get(job_id))


@router.get(
    "/{job_id}/result",
    summary="Download a finished batch job's file (streamed)",
    response_class=FileResponse,
    responses={
        200: {"content": {MEDIA_TYPES["parquet"]: {}, MEDIA_TYPES["csv"]: {}}, "description": "The file"},
        **problem_responses(404, 409),
    },
)
def job_result(job_id: str, request: Request, services: ServicesDep) -> Response:
    annotate(request, job_id=job_id)
    job = services.jobs.get(job_id)
    if job.kind != "batch":
        raise ApiError(404, "Not found", f"{job.kind} jobs have no file; see GET /v1/jobs/{job_id}", kind="not-found")
    if job.state != "succeeded" or not job.result:
        raise ApiError(
            409,
            "Conflict",
            f"job {job_id} is {job.state}; the file exists once it succeeded",
            kind="conflict",
        )
    r = job.result
    filename = f"{r['model']}-{r['version']}-{r['seed']}.{r['format']}"
    headers = {"X-Chronogan-Seed": str(r["seed"]), "X-Chronogan-Version": r["version"]}
    if "dataset" in r:  # written by the Ray executor as part files: joined into one file on the fly
        return _dataset_response(job_id, r, filename, headers)
    path = services.settings.jobs_dir_path / job.id / r["file"]
    if not path.is_file():
        raise ApiError(404, "Not found", f"the result file of job {job_id} no longer exists", kind="not-found")
    return FileResponse(path, media_type=r["media_type"], filename=filename, headers=headers)


def _dataset_response(job_id: str, r: dict, filename: str, headers: dict[str, str]) -> StreamingResponse:
    from chronogan.service.jobs.dataset import read_manifest, stream_dataset

    try:
        read_manifest(r["dataset"])
    except (FileNotFoundError, OSError):
        raise ApiError(404, "Not found", f"the dataset of job {job_id} no longer exists", kind="not-found") from None
    headers = {**headers, "Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(stream_dataset(r["dataset"]), media_type=r["media_type"], headers=headers)


@router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    summary="Cancel a job (queued: at once; running: at its next progress check)",
    dependencies=[RequireApiKey],
    responses=problem_responses(401, 403, 404, 409),
)
def cancel_job(job_id: str, request: Request, services: ServicesDep) -> JobOut:
    annotate(request, job_id=job_id)
    return job_out(services.jobs.cancel(job_id))


@router.post(
    "/{job_id}/retry",
    status_code=202,
    response_model=JobOut,
    summary="Queue a failed or canceled job again (same id and parameters)",
    dependencies=[RequireApiKey],
    responses=problem_responses(401, 403, 404, 409),
)
def retry_job(job_id: str, request: Request, services: ServicesDep) -> JobOut:
    annotate(request, job_id=job_id)
    job = services.jobs.retry(job_id)
    services.executor.submit(job.id)
    return job_out(job)
