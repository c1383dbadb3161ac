"""What a running job sees: its parameters, a progress reporter and the cancellation check.

Job handlers call `ctx.progress(p)` between units of work (chunks, epochs). That one call records the
progress (which also proves the worker is alive) and raises `JobCanceled` when a client asked to cancel,
or `WorkerStopping` when the worker is shutting down, so handlers need no cancellation logic of their own.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from chronogan.service.api.settings import Settings
from chronogan.service.jobs.store import Job, JobConflictError, JobStore, WorkerIdentity


class JobCanceled(Exception):
    """A client canceled the job; the worker records it as canceled."""


class WorkerStopping(Exception):
    """The worker is shutting down; the job goes back to the queue untouched."""


class JobLost(Exception):
    """The job was taken away from this worker (reaped as failed by another worker)."""


@dataclass
class JobContext:
    job: Job
    store: JobStore
    worker: WorkerIdentity
    settings: Settings
    stop: threading.Event = field(default_factory=threading.Event)
    # Writing every tiny step to SQLite would be wasteful; progress is stored at most this often.
    min_interval: float = 0.25
    _last_write: float = 0.0

    @property
    def work_dir(self) -> Path:
        """A folder for this job's files (batch outputs, uploads)."""
        return self.settings.jobs_dir_path / self.job.id

    def progress(self, fraction: float, *, force: bool = False) -> None:
        if self.stop.is_set():
            raise WorkerStopping()
        now = time.monotonic()
        if not force and now - self._last_write < self.min_interval:
            return
        self._last_write = now
        try:
            cancel = self.store.set_progress(self.job.id, self.worker, fraction)
        except JobConflictError as exc:
            raise JobLost(str(exc)) from exc
        if cancel:
            raise JobCanceled()
