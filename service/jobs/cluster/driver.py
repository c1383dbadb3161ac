"""The Ray driver: a thread in the API process that claims queued jobs and runs them on a Ray cluster.

It plays the part local worker processes play (claim, heartbeat, record the outcome, recover orphans),
through the same `LocalExecutor.run` (so outcomes, cancellation and errors are recorded identically),
with handlers that submit Ray tasks and wait for them. Several jobs run at once (`ray_max_jobs`), each
on its own thread, all under one `WorkerIdentity`, so the heartbeat covers them all and the store sees
one worker. This process is the only writer of the SQLite store: a single API node needs no shared
database. If the process dies, Ray cancels its tasks (they belong to this driver) and the next start
marks the jobs failed, like a dead local worker's.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import ray
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.cluster.batch import dataset_uri, run_batch_on_ray
from chronogan.service.jobs.cluster.retrain import run_retrain_on_ray
from chronogan.service.jobs.dataset import remove_dataset
from chronogan.service.jobs.executor import Handler, LocalExecutor
from chronogan.service.jobs.store import JobStore, WorkerIdentity

log = logging.getLogger("chronogan.ray")


def ray_handlers() -> dict[str, Handler]:
    return {"batch": run_batch_on_ray, "retrain": run_retrain_on_ray}


def connect(settings: Settings) -> None:
    """Join the configured cluster, or start a local one (all cores of this machine) when none is set."""
    if ray.is_initialized():
        return
    # "local": a new instance even when a `ray start` cluster on this machine is recorded in /tmp/ray
    # (address=None would join that one); joining one is what CHRONOGAN_RAY_ADDRESS=auto is for.
    kwargs: dict[str, Any] = {"address": settings.ray_address or "local", "log_to_driver": False}
    if settings.ray_address is None:
        kwargs["include_dashboard"] = False
    ray.init(**kwargs)
    log.info("connected to ray", extra={"address": settings.ray_address or "local"})


class RayDriver:
    def __init__(self, settings: Settings, store: JobStore | None = None) -> None:
        self.settings = settings
        self.store = store or JobStore(settings.jobs_db_path)
        self.executor = LocalExecutor(settings, self.store, ray_handlers())
        self.identity = WorkerIdentity()
        self.stop_event = threading.Event()
        self._wake = threading.Event()
        self._jobs: dict[str, threading.Thread] = {}
        self._thread: threading.Thread | None = None

    # -- JobExecutor's submit: the API calls it after enqueueing, so a job starts without a poll delay.
    def submit(self, job_id: str) -> None:
        self._wake.set()

    def start(self) -> None:
        connect(self.settings)
        self._thread = threading.Thread(target=self.run, name="ray-driver", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming; running jobs cancel their tasks and go back to the queue."""
        self.stop_event.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for thread in list(self._jobs.values()):
            thread.join(timeout)

    def recover(self) -> None:
        for job in self.store.reap_orphans(self.identity, stale_after=self.settings.stale_after_seconds):
            log.warning("orphaned job marked failed", extra={"job_id": job.id, "error": job.error})
            if job.kind == "batch":
                remove_dataset(dataset_uri(self.settings, job.id))

    def run(self) -> None:
        log.info("ray driver started", extra={"worker_id": self.identity.id})
        self.recover()
        while not self.stop_event.is_set():
            self._jobs = {k: t for k, t in self._jobs.items() if t.is_alive()}
            while len(self._jobs) < self.settings.ray_max_jobs and not self.stop_event.is_set():
                job = self.store.claim_next(self.identity)
                if job is None:
                    break
                thread = threading.Thread(
                    target=self.executor.run,
                    args=(job, self.identity, self.stop_event),
                    name=f"ray-job-{job.id[:8]}",
                    daemon=True,
                )
                self._jobs[job.id] = thread
                thread.start()
            if not self._jobs:
                self.recover()
            # Handlers record progress (which refreshes heartbeat_at) only when shards finish; the
            # heartbeat keeps a long shard from looking like a dead driver.
            try:
                self.store.heartbeat(self.identity)
            except Exception:  # a busy database must not stop the driver; the next beat will do
                log.exception("heartbeat failed")
            self._wake.wait(min(self.settings.poll_seconds, self.settings.heartbeat_seconds))
            self._wake.clear()
        log.info("ray driver stopped", extra={"worker_id": self.identity.id})
