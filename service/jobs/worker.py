"""The worker loop behind `chronogan worker`: recover orphans, claim jobs, run them, heartbeat.

Crash handling: a job stays `running` in the store while its worker works on it, and a heartbeat thread
refreshes `heartbeat_at`. When a worker starts (and every idle poll after that) it marks failed, with the
reason, every running job whose worker is gone (process dead on this host, or heartbeat stale); such jobs
can be retried with `POST /v1/jobs/{id}/retry`. On SIGTERM the worker stops at the job's next progress
check and puts the job back in the queue, so a clean restart loses nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from chronogan.service.api.settings import Settings
from chronogan.service.jobs.executor import Handler, JobExecutor, LocalExecutor
from chronogan.service.jobs.store import Job, JobState, JobStore, WorkerIdentity

log = logging.getLogger("chronogan.worker")


class Worker:
    def __init__(
        self,
        settings: Settings,
        *,
        store: JobStore | None = None,
        executor: JobExecutor | None = None,
        handlers: Mapping[str, Handler] | None = None,
        identity: WorkerIdentity | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or JobStore(settings.jobs_db_path)
        self.executor = executor or LocalExecutor(settings, self.store, handlers)
        self.identity = identity or WorkerIdentity()
        self.stop_event = threading.Event()

    def stop(self) -> None:
        self.stop_event.set()

    def recover(self) -> list[Job]:
        reaped = self.store.reap_orphans(self.identity, stale_after=self.settings.stale_after_seconds)
        for job in reaped:
            log.warning("orphaned job marked failed", extra={"job_id": job.id, "error": job.error})
            if job.kind == "batch":
                # The dead worker's half-written file: never downloadable (only complete files are renamed
                # into place), but it holds disk space until the retry overwrites it.
                for partial in (self.settings.jobs_dir_path / job.id).glob("*.part"):
                    partial.unlink(missing_ok=True)
        return reaped

    def run_next(self) -> tuple[Job, JobState | None] | None:
        """Claim and run one job. None when the queue is empty."""
        job = self.store.claim_next(self.identity)
        if job is None:
            return None
        beat_stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(beat_stop,), name="heartbeat", daemon=True)
        beat.start()
        try:
            state = self.executor.run(job, self.identity, self.stop_event)
        finally:
            beat_stop.set()
            beat.join()
        return job, state

    def _heartbeat(self, done: threading.Event) -> None:
        while not done.wait(self.settings.heartbeat_seconds):
            try:
                self.store.heartbeat(self.identity)
            except Exception:  # a busy database must not kill the job; the next beat will do
                log.exception("heartbeat failed")

    def run(self, *, until_empty: bool = False) -> int:
        """Loop until stopped (or, with `until_empty`, until no job is queued). Returns jobs run."""
        log.info("worker started", extra={"worker_id": self.identity.id, "pid": self.identity.pid})
        self.recover()
        ran = 0
        while not self.stop_event.is_set():
            if self.run_next() is not None:
                ran += 1
                continue
            if until_empty:
                break
            # Idle: look for jobs whose worker died meanwhile (another worker process, a killed serve).
            self.recover()
            self.stop_event.wait(self.settings.poll_seconds)
        log.info("worker stopped", extra={"worker_id": self.identity.id, "jobs_run": ran})
        return ran
