"""Turning stored jobs into API responses (shared by the batches, retrain and jobs routers)."""

from __future__ import annotations

import time

from chronogan.service.api.schemas import JobLinks, JobOut
from chronogan.service.jobs.store import Job
from fastapi import Response

# Parameters that are internal paths: not shown to clients.
_HIDDEN_PARAMS = {"upload"}


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1000):03d}Z"


def job_out(job: Job) -> JobOut:
    base = f"/v1/jobs/{job.id}"
    return JobOut(
        id=job.id,
        kind=job.kind,
        model=job.model,
        state=job.state,
        progress=job.progress,
        params={k: v for k, v in job.params.items() if k not in _HIDDEN_PARAMS},
        created_at=iso(job.created_at) or "",
        started_at=iso(job.started_at),
        finished_at=iso(job.finished_at),
        error=job.error,
        result=job.result,
        cancel_requested=job.cancel_requested,
        attempts=job.attempts,
        worker_pid=job.worker_pid,
        heartbeat_at=iso(job.heartbeat_at),
        links=JobLinks(
            self=base,
            result=f"{base}/result" if job.kind == "batch" and job.state == "succeeded" else None,
            cancel=f"{base}/cancel" if not job.finished else None,
            retry=f"{base}/retry" if job.state in ("failed", "canceled") else None,
        ),
    )


def accepted(job: Job, response: Response) -> JobOut:
    """202 bodies: the job, with `Location` pointing at it."""
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_out(job)
