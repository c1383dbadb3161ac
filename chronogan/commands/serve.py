"""`chronogan serve`: the HTTP API under uvicorn (N processes), with job worker processes beside it.

Sizing (`plan_processes`): by default one API process per core available to serve, each with
cores / processes onnxruntime intra-op threads (1 on 2 cores: the generator's small LSTMs gain little from
more, BENCHMARKS.md), and one job worker whose batch pipeline uses every core when the API is idle. Each
API process loads its own onnxruntime session per model version, once. With more than one API process,
Prometheus metrics run in prometheus-client's multiprocess mode (a fresh directory per serve) so /metrics
adds up all processes, whichever one answers the scrape.

The workers are child processes (`chronogan worker --parent-pid ...`): restarted if they die, asked to
stop (SIGTERM, then SIGKILL after a grace period) when serve stops, and they stop on their own if serve
is killed outright. With `--executor ray` there are no worker processes: a driver thread in this process
runs the jobs as Ray tasks (docs/SCALING.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from chronogan.artifacts.errors import UserInputError
from chronogan.commands.common import add_store
from chronogan.service.api.logs import configure_logging
from chronogan.service.api.settings import Settings

log = logging.getLogger("chronogan.serve")
STOP_GRACE_SECONDS = 20.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the HTTP API and a job worker",
        description="Serve the HTTP API. Other settings come from CHRONOGAN_* variables.",
    )
    p.add_argument("--host", default=None, help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    add_store(p)
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="API processes (default: one per available core; CHRONOGAN_HTTP_WORKERS; 1 with --executor ray)",
    )
    p.add_argument("--no-worker", action="store_true", help="do not start job workers (run them elsewhere)")
    p.add_argument(
        "--executor",
        choices=["local", "ray"],
        default=None,
        help="where jobs run: local worker processes (default) or a Ray cluster ($CHRONOGAN_EXECUTOR; "
        "the cluster is $CHRONOGAN_RAY_ADDRESS, else a local one)",
    )
    p.set_defaults(run=run)


@dataclass(frozen=True)
class ProcessPlan:
    http_workers: int
    ort_threads: int


def available_cores() -> int:
    """Cores this process may use: its CPU affinity (taskset, cpusets), capped by a cgroup v2 CPU quota
    (`docker run --cpus`), not every core of the machine."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, -(-int(quota) // int(period))))  # ceil: 1.5 CPUs -> 2 processes
    except (OSError, ValueError):
        pass
    return max(1, cores)


def plan_processes(settings: Settings, cores: int | None = None) -> ProcessPlan:
    """API processes and onnxruntime threads sized together, so together they use the cores once."""
    cores = cores or available_cores()
    http = settings.http_workers or cores
    return ProcessPlan(http_workers=http, ort_threads=settings.ort_threads or max(1, cores // http))


def run(args: argparse.Namespace) -> int:
    import uvicorn

    configure_logging(loggers=("chronogan", "uvicorn"))  # uvicorn's start-up and error lines as JSON too
    if args.workers is not None and args.workers < 1:
        print("chronogan serve: error: --workers must be at least 1", file=sys.stderr)
        return 2
    overrides = {
        "host": args.host,
        "port": args.port,
        "store": args.store,
        "http_workers": args.workers,
        "executor": args.executor,
    }
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    ray_mode = settings.executor == "ray" and not args.no_worker
    if ray_mode:
        # The Ray driver is a thread of the API process (the API's submit wakes it): one API process.
        settings = settings.model_copy(update={"http_workers": 1})
    plan = plan_processes(settings)
    settings = settings.model_copy(update={"ort_threads": plan.ort_threads, "http_workers": plan.http_workers})
    # The job workers and (with --workers > 1) the API processes read their settings from the environment.
    os.environ.update(
        {
            "CHRONOGAN_STORE": str(settings.store),
            "CHRONOGAN_ORT_THREADS": str(plan.ort_threads),
            "CHRONOGAN_HTTP_WORKERS": str(plan.http_workers),
        }
    )
    log.info("serving", extra={"api_processes": plan.http_workers, "ort_threads": plan.ort_threads})
    app: Any = None
    workers: WorkerSupervisor | Any
    if ray_mode:
        from chronogan.service.api.main import create_app

        app = create_app(settings)
        workers = ray_driver(settings)
        app.state.services.executor = workers  # the API's submit wakes the driver
    else:
        workers = WorkerSupervisor(settings.store, 0 if args.no_worker else settings.workers)
    uvicorn_options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "timeout_keep_alive": int(settings.keep_alive_seconds),
        # The C parser and event loop (uvicorn[standard]); "auto" would silently fall back to pure Python.
        "http": "httptools",
        "loop": "uvloop",
    }

    # uvicorn re-raises the signal that stopped it once it is done; with Python's default SIGTERM action
    # that would kill us before the workers are stopped, so turn SIGTERM into a normal exit.
    def on_term(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    metrics_dir = _multiprocess_metrics_dir() if plan.http_workers > 1 else None
    workers.start()
    try:
        if plan.http_workers > 1:
            # uvicorn's supervisor starts (and restarts) the API processes; each builds its app from the env.
            uvicorn.run(
                "chronogan.service.api.main:app_from_environment",
                factory=True,
                workers=plan.http_workers,
                **uvicorn_options,
            )
        else:
            from chronogan.service.api.main import create_app

            uvicorn.run(app if app is not None else create_app(settings), **uvicorn_options)
    except KeyboardInterrupt:
        pass
    finally:
        workers.stop()
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def ray_driver(settings: Settings) -> Any:
    try:
        from chronogan.service.jobs.cluster.driver import RayDriver
    except ImportError as exc:
        raise UserInputError(
            f'--executor ray needs Ray: pip install "chronogan[ray]" ({exc})', field="executor"
        ) from None
    return RayDriver(settings)


def _multiprocess_metrics_dir() -> Path | None:
    """A fresh directory for prometheus-client's per-process files, set before any process imports it.

    A directory the operator set (PROMETHEUS_MULTIPROC_DIR) is used but only emptied, not removed; the
    return value is the one to remove at exit."""
    from chronogan.service.api.metrics import MULTIPROC_ENV

    given = os.environ.get(MULTIPROC_ENV)
    if given:
        for stale in Path(given).glob("*.db"):  # counts of a previous serve would be added to ours
            stale.unlink()
        return None
    path = Path(tempfile.mkdtemp(prefix="chronogan-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    return path


class WorkerSupervisor:
    def __init__(self, store: Path, count: int) -> None:
        self.store = store
        self.count = count
        self.procs: list[subprocess.Popen[bytes]] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def _spawn(self) -> subprocess.Popen[bytes]:
        cmd = [sys.executable, "-m", "chronogan.cli", "worker", "--store", str(self.store)]
        proc = subprocess.Popen([*cmd, "--parent-pid", str(os.getpid())])
        log.info("worker started", extra={"pid": proc.pid})
        return proc

    def start(self) -> None:
        if self.count == 0:
            return
        with self._lock:
            self.procs = [self._spawn() for _ in range(self.count)]
        threading.Thread(target=self._supervise, name="worker-supervisor", daemon=True).start()

    def _supervise(self) -> None:
        # A worker that crashed (OOM, segfault in a native library) is replaced; its job is marked failed
        # by the new worker's start-up recovery.
        while not self._stopping.wait(2.0):
            with self._lock:
                for i, proc in enumerate(self.procs):
                    if proc.poll() is not None and not self._stopping.is_set():
                        log.warning("worker exited; restarting", extra={"pid": proc.pid, "rc": proc.returncode})
                        self.procs[i] = self._spawn()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            procs = list(self.procs)
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
