"""Worker mechanics with fake job kinds: success, failure, cancel, shutdown, heartbeat, crash recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.context import JobContext
from chronogan.service.jobs.store import JobStore
from chronogan.service.jobs.worker import Worker

from tests.helpers import ROOT, make_settings, subprocess_env, wait_for


def _ok(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0.5, force=True)
    return {"echo": ctx.job.params["value"]}


def _boom(ctx: JobContext) -> dict[str, Any]:
    raise RuntimeError("disk on fire")


def _slow(ctx: JobContext) -> dict[str, Any]:
    for i in range(400):
        time.sleep(0.01)
        ctx.progress(i / 400)
    return {}


HANDLERS = {"ok": _ok, "boom": _boom, "slow": _slow}


@pytest.fixture
def wsettings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "models")


def _worker(settings: Settings) -> Worker:
    return Worker(settings, handlers=HANDLERS)


def test_runs_jobs_to_success_and_failure(wsettings: Settings) -> None:
    worker = _worker(wsettings)
    ok = worker.store.enqueue("ok", {"value": 3})
    boom = worker.store.enqueue("boom", {})
    unknown = worker.store.enqueue("mystery", {})
    assert worker.run(until_empty=True) == 3
    assert worker.store.get(ok.id).result == {"echo": 3}
    failed = worker.store.get(boom.id)
    assert failed.state == "failed" and "RuntimeError: disk on fire" in (failed.error or "")
    assert "unknown job kind" in (worker.store.get(unknown.id).error or "")


def test_cancel_while_running(wsettings: Settings) -> None:
    worker = _worker(wsettings)
    job = worker.store.enqueue("slow", {})
    t = threading.Thread(target=worker.run, kwargs={"until_empty": True})
    t.start()
    wait_for(lambda: worker.store.get(job.id).state == "running")
    worker.store.cancel(job.id)
    t.join(10)
    assert worker.store.get(job.id).state == "canceled"


def test_stop_requeues_the_running_job(wsettings: Settings) -> None:
    worker = _worker(wsettings)
    job = worker.store.enqueue("slow", {})
    t = threading.Thread(target=worker.run)
    t.start()
    wait_for(lambda: worker.store.get(job.id).progress > 0)
    worker.stop()
    t.join(10)
    assert worker.store.get(job.id).state == "queued"


def test_heartbeat_while_running(wsettings: Settings) -> None:
    worker = _worker(wsettings)
    job = worker.store.enqueue("slow", {})
    t = threading.Thread(target=worker.run, kwargs={"until_empty": True})
    t.start()
    wait_for(lambda: worker.store.get(job.id).state == "running")
    first = worker.store.get(job.id).heartbeat_at
    wait_for(lambda: (worker.store.get(job.id).heartbeat_at or 0) > (first or 0))
    worker.store.cancel(job.id)
    t.join(10)


_CRASHING_WORKER = textwrap.dedent(
    """
    import sys, time
    from chronogan.service.api.settings import Settings
    from chronogan.service.jobs.worker import Worker

    def forever(ctx):
        while True:
            time.sleep(0.05)
            ctx.progress(0.5)

    Worker(Settings(store=sys.argv[1], heartbeat_seconds=0.2), handlers={"slow": forever}).run()
    """
)


def test_crashed_worker_job_is_failed_on_restart_and_retry_succeeds(wsettings: Settings) -> None:
    store = JobStore(wsettings.jobs_db_path)
    job = store.enqueue("slow", {})
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_WORKER, str(wsettings.store)], env=subprocess_env(), cwd=ROOT
    )
    try:
        wait_for(lambda: store.get(job.id).state == "running", timeout=30)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert store.get(job.id).state == "running"  # nobody knows yet

    # A restarted worker (with a quick handler for the retry).
    worker = Worker(wsettings, handlers={"slow": lambda ctx: {"retried": True}})
    reaped = worker.recover()
    assert [j.id for j in reaped] == [job.id]
    failed = store.get(job.id)
    assert failed.state == "failed" and f"pid {proc.pid}" in (failed.error or "") and "exited" in failed.error

    assert store.retry(job.id).state == "queued"
    worker.run(until_empty=True)
    done = store.get(job.id)
    assert (done.state, done.result, done.attempts) == ("succeeded", {"retried": True}, 2)
