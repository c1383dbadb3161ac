"""Batch generation: large requests become jobs that a worker writes to a file."""

from __future__ import annotations

from chronogan.service.api.auth import RequireApiKey
from chronogan.service.api.deps import ModelName, ServicesDep, annotate
from chronogan.service.api.errors import problem_responses
from chronogan.service.api.job_views import accepted
from chronogan.service.api.planning import plan_request
from chronogan.service.api.schemas import BatchRequest, JobOut
from fastapi import APIRouter, Request, Response

router = APIRouter(prefix="/v1/models", tags=["batches"])


@router.post(
    "/{name}/batches",
    status_code=202,
    response_model=JobOut,
    summary="Generate many sequences in the background",
    description=(
        "Queues a batch job and answers 202 with the job and a `Location` header. The version (active one "
        "unless given) and the seed (drawn unless given) are fixed now, so the file is reproducible. "
        "Download it from `GET /v1/jobs/{id}/result` once the job has succeeded."
    ),
    dependencies=[RequireApiKey],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 503),
)
def create_batch(
    name: ModelName, body: BatchRequest, request: Request, response: Response, services: ServicesDep
) -> JobOut:
    model = services.registry.get(name, body.version)
    version = model.manifest.version
    # Planning checks n/context/codes/seq_len/start against the manifest, so a bad request is a 422 here, not
    # a failed job later, and fixes the seed the job will use.
    plan = plan_request(model, body)
    seed = plan.seed
    params = {**body.model_dump(exclude_none=True), "model": name, "version": version, "seed": seed}
    job = services.jobs.enqueue("batch", params, model=name)
    services.executor.submit(job.id)
    annotate(request, version=version, seed=seed, n_sequences=body.n_sequences, job_id=job.id)
    return accepted(job, response)
