"""`chronogan serve`: the HTTP API under uvicorn, with worker processes beside it.

The workers are child processes (`chronogan worker --parent-pid ...`): restarted if they die, asked to
stop (SIGTERM, then SIGKILL after a grace period) when serve stops, and they stop on their own if serve
is killed outright. With `--executor ray` there are no worker processes: a driver thread in this process
runs the jobs as Ray tasks (docs/SCALING.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
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
    p.add_argument("--no-worker", action="store_true", help="do not start workers (run them elsewhere)")
    p.add_argument(
        "--executor",
        choices=["local", "ray"],
        default=None,
        help="where jobs run: local worker processes (default) or a Ray cluster ($CHRONOGAN_EXECUTOR; "
        "the cluster is $CHRONOGAN_RAY_ADDRESS, else a local one)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from chronogan.service.api.main import create_app

    configure_logging(loggers=("chronogan", "uvicorn"))  # uvicorn's start-up and error lines as JSON too
    overrides = {"host": args.host, "port": args.port, "store": args.store, "executor": args.executor}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    app = create_app(settings)
    ray_mode = settings.executor == "ray" and not args.no_worker
    workers: WorkerSupervisor | Any = ray_driver(settings) if ray_mode else None
    if ray_mode:
        app.state.services.executor = workers  # the API's submit wakes the driver
    else:
        workers = WorkerSupervisor(settings.store, 0 if args.no_worker else settings.workers)

    # uvicorn re-raises the signal that stopped it once it is done; with Python's default SIGTERM action
    # that would kill us before the workers are stopped, so turn SIGTERM into a normal exit.
    def on_term(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    workers.start()
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            timeout_keep_alive=int(settings.keep_alive_seconds),
        )
    except KeyboardInterrupt:
        pass
    finally:
        workers.stop()
    return 0


def ray_driver(settings: Settings) -> Any:
    try:
        from chronogan.service.jobs.cluster.driver import RayDriver
    except ImportError as exc:
        raise UserInputError(
            f'--executor ray needs Ray: pip install "chronogan[ray]" ({exc})', field="executor"
        ) from None
    return RayDriver(settings)


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
