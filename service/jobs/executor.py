"""How a claimed job gets run: the `JobExecutor` interface and the local, in-process implementation.

The SQLite job store is the source of truth; an executor only decides *where* a job's code runs.

- `submit(job_id)` is called by the API right after it enqueues a job. The local executor does nothing:
  worker processes poll the store and claim jobs themselves.
- `run(job, ...)` executes a job that the caller has claimed and records its outcome in the store.

The Ray executor (`chronogan.service.jobs.cluster`, `chronogan serve --executor ray`) reuses `run` with
other handlers: a driver thread in the API process claims jobs like a worker and its handlers submit Ray
tasks and wait for them, so outcomes, progress, cancellation and the quality gate are recorded by the
same code, and the API process stays the only writer of the SQLite store (docs/SCALING.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from chronogan.service.api.settings import Settings
from chronogan.service.jobs.context import JobCanceled, JobContext, JobLost, WorkerStopping
from chronogan.service.jobs.store import Job, JobState, JobStore, WorkerIdentity

from chronogan.artifacts.errors import ChronoganError, UserInputError

log = logging.getLogger("chronogan.jobs")

# A handler does the work of one job kind and returns the job's result (JSON-serialisable).
Handler = Callable[[JobContext], dict[str, Any]]


class JobExecutor(Protocol):
    def submit(self, job_id: str) -> None: ...

    def run(self, job: Job, worker: WorkerIdentity, stop: threading.Event) -> JobState | None: ...


def default_handlers() -> dict[str, Handler]:
    # Imported here so that `chronogan.service.jobs.executor` stays cheap to import for the API process.
    from chronogan.service.jobs.batch import run_batch
    from chronogan.service.jobs.retrain import run_retrain

    return {"batch": run_batch, "retrain": run_retrain}


class LocalExecutor:
    def __init__(self, settings: Settings, store: JobStore, handlers: Mapping[str, Handler] | None = None):
        self.settings = settings
        self.store = store
        self.handlers = dict(handlers) if handlers is not None else default_handlers()

    def submit(self, job_id: str) -> None:
        """Nothing to do: local workers poll the job store."""

    def run(self, job: Job, worker: WorkerIdentity, stop: threading.Event) -> JobState | None:
        """Run a claimed job to its end and record the outcome. Returns the final state, or None when
        the job went back to the queue (shutdown) or was taken away from this worker."""
        ctx = JobContext(job=job, store=self.store, worker=worker, settings=self.settings, stop=stop)
        handler = self.handlers.get(job.kind)
        if handler is None:
            return self._finish(job, worker, "failed", error=f"unknown job kind {job.kind!r}")
        log.info("job started", extra={"job_id": job.id, "kind": job.kind, "model": job.model})
        try:
            result = handler(ctx)
        except JobCanceled:
            return self._finish(job, worker, "canceled", error="canceled by request")
        except WorkerStopping:
            self.store.release(job.id, worker)
            log.info("job released on shutdown", extra={"job_id": job.id})
            return None
        except JobLost as exc:
            log.warning("job lost", extra={"job_id": job.id, "error": str(exc)})
            return None
        except (UserInputError, ChronoganError) as exc:
            return self._finish(job, worker, "failed", error=str(exc))
        except Exception as exc:  # a bug or an environment problem: keep the worker alive, tell the user
            log.exception("job crashed", extra={"job_id": job.id})
            # An OSError's text names the server's file (logged above); clients get the reason only.
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return self._finish(job, worker, "failed", error=f"internal error: {type(exc).__name__}: {reason}")
        return self._finish(job, worker, "succeeded", result=result)

    def _finish(
        self,
        job: Job,
        worker: WorkerIdentity,
        state: JobState,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> JobState | None:
        if not self.store.finish(job.id, worker, state, result=result, error=error):
            log.warning("job finished after it was taken away", extra={"job_id": job.id, "state": state})
            return None
        log.info("job finished", extra={"job_id": job.id, "state": state, "error": error})
        return state
