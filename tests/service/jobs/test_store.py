"""The SQLite job store: transitions, ownership, uniqueness, orphan recovery."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chronogan.service.jobs.store import JobConflictError, JobStore, WorkerIdentity

from chronogan.artifacts.errors import NotFoundError


@pytest.fixture
def jobs(tmp_path: Path) -> JobStore:
    return JobStore(tmp_path / "jobs.sqlite3")


def test_enqueue_claim_finish(jobs: JobStore) -> None:
    job = jobs.enqueue("batch", {"n": 3}, model="m")
    assert (job.state, job.progress, job.attempts) == ("queued", 0.0, 0)
    me = WorkerIdentity()
    claimed = jobs.claim_next(me)
    assert claimed is not None and claimed.id == job.id
    assert (claimed.state, claimed.worker_pid, claimed.attempts) == ("running", me.pid, 1)
    assert jobs.claim_next(WorkerIdentity()) is None  # nothing else queued
    assert jobs.set_progress(job.id, me, 0.5) is False
    assert jobs.finish(job.id, me, "succeeded", result={"rows": 9})
    done = jobs.get(job.id)
    assert (done.state, done.progress, done.result) == ("succeeded", 1.0, {"rows": 9})
    assert done.started_at is not None and done.finished_at is not None
    assert jobs.count_by_state()["succeeded"] == 1


def test_jobs_are_claimed_oldest_first_and_once(jobs: JobStore) -> None:
    first = jobs.enqueue("batch", {}, model="m")
    second = jobs.enqueue("batch", {}, model="m")
    a, b = WorkerIdentity(), WorkerIdentity()
    assert jobs.claim_next(a).id == first.id  # type: ignore[union-attr]
    assert jobs.claim_next(b).id == second.id  # type: ignore[union-attr]


def test_only_the_owner_can_finish_or_report(jobs: JobStore) -> None:
    job = jobs.enqueue("batch", {})
    owner, other = WorkerIdentity(), WorkerIdentity()
    jobs.claim_next(owner)
    assert not jobs.finish(job.id, other, "succeeded")
    with pytest.raises(JobConflictError):
        jobs.set_progress(job.id, other, 0.3)
    assert jobs.get(job.id).state == "running"


def test_unknown_job(jobs: JobStore) -> None:
    with pytest.raises(NotFoundError):
        jobs.get("nope")
    with pytest.raises(NotFoundError):
        jobs.cancel("nope")


def test_one_active_retrain_per_model(jobs: JobStore) -> None:
    jobs.enqueue("retrain", {}, model="m", unique_per_model=True)
    with pytest.raises(JobConflictError, match="already queued"):
        jobs.enqueue("retrain", {}, model="m", unique_per_model=True)
    jobs.enqueue("retrain", {}, model="other", unique_per_model=True)  # other models are independent


def test_cancel_queued_and_running(jobs: JobStore) -> None:
    queued = jobs.enqueue("batch", {})
    canceled = jobs.cancel(queued.id)
    assert canceled.state == "canceled" and canceled.finished_at is not None
    with pytest.raises(JobConflictError):
        jobs.cancel(queued.id)

    running = jobs.enqueue("batch", {})
    me = WorkerIdentity()
    jobs.claim_next(me)
    assert jobs.cancel(running.id).cancel_requested
    assert jobs.set_progress(running.id, me, 0.1) is True  # the worker learns at its next progress report


def test_retry_requeues_with_same_params(jobs: JobStore) -> None:
    job = jobs.enqueue("batch", {"seed": 7})
    me = WorkerIdentity()
    jobs.claim_next(me)
    jobs.finish(job.id, me, "failed", error="boom")
    retried = jobs.retry(job.id)
    assert (retried.state, retried.error, retried.params, retried.attempts) == (
        "queued",
        None,
        {"seed": 7},
        1,
    )
    with pytest.raises(JobConflictError):
        jobs.retry(job.id)  # queued jobs do not retry


def test_retry_of_retrain_respects_uniqueness(jobs: JobStore) -> None:
    old = jobs.enqueue("retrain", {}, model="m", unique_per_model=True)
    jobs.cancel(old.id)
    jobs.enqueue("retrain", {}, model="m", unique_per_model=True)
    with pytest.raises(JobConflictError):
        jobs.retry(old.id)


def test_release_puts_the_job_back(jobs: JobStore) -> None:
    job = jobs.enqueue("batch", {})
    me = WorkerIdentity()
    jobs.claim_next(me)
    assert jobs.release(job.id, me)
    back = jobs.get(job.id)
    assert (back.state, back.worker_pid, back.attempts) == ("queued", None, 0)


def test_reap_job_of_dead_process(jobs: JobStore) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = jobs.enqueue("batch", {})
    jobs.claim_next(WorkerIdentity(pid=dead.pid))
    reaped = jobs.reap_orphans(WorkerIdentity(), stale_after=3600)
    assert [j.id for j in reaped] == [job.id]
    failed = jobs.get(job.id)
    assert failed.state == "failed" and f"pid {dead.pid}" in (failed.error or "") and "retry" in failed.error


def test_reap_job_of_earlier_process_with_our_pid(jobs: JobStore) -> None:
    # A restarted container hands out the same pids: same pid, other worker id -> not alive.
    me = WorkerIdentity()
    job = jobs.enqueue("batch", {})
    jobs.claim_next(WorkerIdentity(pid=me.pid))
    assert [j.id for j in jobs.reap_orphans(me, stale_after=3600)] == [job.id]


def test_reap_stale_heartbeat_but_not_live_workers(jobs: JobStore) -> None:
    # `live` is another process on this host that is still running (our parent).
    live, remote = WorkerIdentity(pid=os.getppid()), WorkerIdentity(host="elsewhere", pid=1)
    mine = jobs.enqueue("batch", {})
    jobs.claim_next(live)
    theirs = jobs.enqueue("batch", {})
    jobs.claim_next(remote)
    assert jobs.reap_orphans(WorkerIdentity(), stale_after=60) == []  # both have fresh heartbeats
    # Margins of a second, not milliseconds: on a loaded machine the gap between the heartbeat and the reap
    # alone can exceed a few tens of milliseconds, which made the live worker look stale too.
    time.sleep(1.5)
    jobs.heartbeat(live)
    reaped = jobs.reap_orphans(WorkerIdentity(), stale_after=1.0)
    assert [j.id for j in reaped] == [theirs.id]
    assert "heartbeat" in (jobs.get(theirs.id).error or "")
    assert jobs.get(mine.id).state == "running"


def test_a_reaped_job_is_not_overwritten_by_its_old_worker(jobs: JobStore) -> None:
    old = WorkerIdentity(host="elsewhere")
    job = jobs.enqueue("batch", {})
    jobs.claim_next(old)
    jobs.reap_orphans(WorkerIdentity(), stale_after=0)
    assert not jobs.finish(job.id, old, "succeeded")
    assert jobs.get(job.id).state == "failed"
