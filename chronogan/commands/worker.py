"""`chronogan worker`: run background jobs (batch generation, retraining) from the job store."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from types import FrameType

from chronogan.commands.common import add_store
from chronogan.service.api.logs import configure_logging
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.worker import Worker


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "worker",
        help="run background jobs (batches, retrains)",
        description="Claim and run jobs queued by the HTTP API. Settings come from CHRONOGAN_* variables.",
    )
    add_store(p)
    p.add_argument("--once", action="store_true", help="run every queued job, then exit")
    # Set by `chronogan serve`: stop (putting the job back in the queue) when that process goes away.
    p.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging()
    settings = Settings(**({"store": args.store} if args.store is not None else {}))
    worker = Worker(settings)
    _install_signal_handlers(worker)
    if args.parent_pid is not None:
        threading.Thread(target=_watch_parent, args=(worker, args.parent_pid), daemon=True).start()
    worker.run(until_empty=args.once)
    return 0


def _install_signal_handlers(worker: Worker) -> None:
    """First SIGTERM/SIGINT: finish at the job's next progress check (the job is requeued). Second: now."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if worker.stop_event.is_set():
            raise KeyboardInterrupt
        worker.stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _watch_parent(worker: Worker, parent_pid: int) -> None:
    while not worker.stop_event.wait(1.0):
        if os.getppid() != parent_pid:
            worker.stop()
