"""The SQLite job store: the single source of truth for batch and retrain jobs.

The API process enqueues, workers claim and update; both may be separate processes, so every operation
opens its own short-lived connection (sqlite3 connections must not cross threads) and state changes are
guarded by `WHERE state = ...` so that a late writer (a worker that was presumed dead) cannot overwrite a
newer decision. WAL mode lets the API read while a worker writes.

States: queued -> running -> succeeded | failed | canceled; queued -> canceled; failed | canceled -> queued
(retry). A running job belongs to one worker (worker_id, pid, host) which refreshes `heartbeat_at`.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from chronogan.artifacts.errors import ConflictError, NotFoundError

JobState = Literal["queued", "running", "succeeded", "failed", "canceled"]
STATES: tuple[JobState, ...] = ("queued", "running", "succeeded", "failed", "canceled")
ACTIVE_STATES: tuple[JobState, ...] = ("queued", "running")
FINISHED_STATES: tuple[JobState, ...] = ("succeeded", "failed", "canceled")

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    model TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
    params TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    error TEXT,
    result TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    worker_id TEXT,
    worker_pid INTEGER,
    worker_host TEXT,
    heartbeat_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_model ON jobs (model, kind, state);
"""


class JobConflictError(ConflictError):
    """A state change that the job's current state does not allow (e.g. cancel a finished job). A
    ConflictError: HTTP 409, and exit code 2 from the CLI."""


@dataclass
class Job:
    id: str
    kind: str
    model: str | None
    state: JobState
    params: dict[str, Any]
    progress: float
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None
    result: dict[str, Any] | None = None
    cancel_requested: bool = False
    attempts: int = 0
    worker_id: str | None = None
    worker_pid: int | None = None
    worker_host: str | None = None
    heartbeat_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        return cls(
            id=row["id"],
            kind=row["kind"],
            model=row["model"],
            state=row["state"],
            params=json.loads(row["params"]),
            progress=row["progress"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            error=row["error"],
            result=json.loads(row["result"]) if row["result"] else None,
            cancel_requested=bool(row["cancel_requested"]),
            attempts=row["attempts"],
            worker_id=row["worker_id"],
            worker_pid=row["worker_pid"],
            worker_host=row["worker_host"],
            heartbeat_at=row["heartbeat_at"],
        )


@dataclass(frozen=True)
class WorkerIdentity:
    """Who runs a job. The random id tells a restarted worker apart from the old one even if the pid
    is reused (containers restart pid numbering)."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class JobStore:
    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # isolation_level=None: autocommit; multi-statement changes use explicit BEGIN IMMEDIATE so the
        # write lock is taken up front (no upgrade deadlocks between the API and workers).
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ---- reads -------------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job:
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"job {job_id!r} not found")
        return Job.from_row(row)

    def list_jobs(self, *, state: str | None = None, model: str | None = None, limit: int = 100) -> list[Job]:
        sql = "SELECT * FROM jobs WHERE 1=1"
        args: list[str | int] = []
        if state:
            sql += " AND state = ?"
            args.append(state)
        if model:
            sql += " AND model = ?"
            args.append(model)
        sql += " ORDER BY created_at DESC LIMIT ?"
        args.append(limit)
        with self._connect() as db:
            return [Job.from_row(r) for r in db.execute(sql, args).fetchall()]

    def count_by_state(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(STATES, 0)
        with self._connect() as db:
            for row in db.execute("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state"):
                counts[row["state"]] = row["n"]
        return counts

    # ---- enqueue -----------------------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        params: dict[str, Any],
        *,
        model: str | None = None,
        job_id: str | None = None,
        unique_per_model: bool = False,
    ) -> Job:
        """Add a queued job. With `unique_per_model`, refuse (JobConflictError) while another job of the
        same kind for the same model is queued or running — checked and inserted in one transaction."""
        job_id = job_id or new_job_id()
        now = time.time()
        with self._transaction() as db:
            if unique_per_model:
                self._check_unique(db, kind, model, exclude=None)
            db.execute(
                "INSERT INTO jobs (id, kind, model, state, params, created_at) VALUES (?, ?, ?, 'queued', ?, ?)",
                (job_id, kind, model, json.dumps(params, sort_keys=True), now),
            )
        return self.get(job_id)

    @staticmethod
    def _check_unique(db: sqlite3.Connection, kind: str, model: str | None, exclude: str | None) -> None:
        row = db.execute(
            "SELECT id, state FROM jobs WHERE kind = ? AND model IS ? AND state IN ('queued', 'running')"
            " AND id IS NOT ? LIMIT 1",
            (kind, model, exclude),
        ).fetchone()
        if row is not None:
            raise JobConflictError(f"a {kind} job for model {model!r} is already {row['state']} (job {row['id']})")

    # ---- worker side ---------------------------------------------------------------------------------

    def claim_next(self, worker: WorkerIdentity, kinds: tuple[str, ...] | None = None) -> Job | None:
        """Atomically move the oldest queued job (of one of `kinds`) to running, owned by `worker`."""
        now = time.time()
        with self._transaction() as db:
            sql = "SELECT id FROM jobs WHERE state = 'queued'"
            args: list[Any] = []
            if kinds is not None:
                sql += f" AND kind IN ({','.join('?' * len(kinds))})"
                args.extend(kinds)
            row = db.execute(sql + " ORDER BY created_at LIMIT 1", args).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state = 'running', started_at = ?, heartbeat_at = ?, progress = 0,"
                " attempts = attempts + 1, worker_id = ?, worker_pid = ?, worker_host = ?, error = NULL"
                " WHERE id = ?",
                (now, now, worker.id, worker.pid, worker.host, row["id"]),
            )
        return self.get(row["id"])

    def heartbeat(self, worker: WorkerIdentity) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET heartbeat_at = ? WHERE state = 'running' AND worker_id = ?",
                (time.time(), worker.id),
            )

    def set_progress(self, job_id: str, worker: WorkerIdentity, progress: float) -> bool:
        """Record progress; returns whether cancellation was requested. Raises JobConflictError when the
        job is no longer ours (reaped as failed, or canceled while queued again)."""
        progress = min(max(float(progress), 0.0), 1.0)
        with self._connect() as db:
            cur = db.execute(
                "UPDATE jobs SET progress = ?, heartbeat_at = ? WHERE id = ? AND state = 'running' AND worker_id = ?",
                (progress, time.time(), job_id, worker.id),
            )
            if cur.rowcount == 0:
                raise JobConflictError(f"job {job_id} is no longer running on this worker")
            row = db.execute("SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bool(row["cancel_requested"])

    def finish(
        self,
        job_id: str,
        worker: WorkerIdentity,
        state: JobState,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> bool:
        """running -> succeeded | failed | canceled, only by the owning worker. False if it was not ours."""
        if state not in FINISHED_STATES:
            raise ValueError(f"not a final state: {state}")
        with self._connect() as db:
            cur = db.execute(
                "UPDATE jobs SET state = ?, finished_at = ?, result = ?, error = ?,"
                " progress = CASE WHEN ? = 'succeeded' THEN 1.0 ELSE progress END"
                " WHERE id = ? AND state = 'running' AND worker_id = ?",
                (
                    state,
                    time.time(),
                    json.dumps(result, sort_keys=True) if result is not None else None,
                    error,
                    state,
                    job_id,
                    worker.id,
                ),
            )
            return cur.rowcount == 1

    def release(self, job_id: str, worker: WorkerIdentity) -> bool:
        """running -> queued: the worker is shutting down and gives the job back untouched."""
        with self._connect() as db:
            cur = db.execute(
                "UPDATE jobs SET state = 'queued', started_at = NULL, progress = 0, worker_id = NULL,"
                " worker_pid = NULL, worker_host = NULL, heartbeat_at = NULL, attempts = attempts - 1"
                " WHERE id = ? AND state = 'running' AND worker_id = ?",
                (job_id, worker.id),
            )
            return cur.rowcount == 1

    def reap_orphans(self, me: WorkerIdentity, *, stale_after: float) -> list[Job]:
        """Mark failed every running job whose worker is gone: its process no longer exists on this host,
        its pid is ours but it is not us (we restarted and got the same pid), or its heartbeat is stale."""
        now = time.time()
        reaped: list[str] = []
        with self._transaction() as db:
            for row in db.execute("SELECT * FROM jobs WHERE state = 'running'").fetchall():
                job = Job.from_row(row)
                reason = _orphan_reason(job, me, now, stale_after)
                if reason is None:
                    continue
                db.execute(
                    "UPDATE jobs SET state = 'failed', finished_at = ?, error = ? WHERE id = ? AND state = 'running'",
                    (now, reason, job.id),
                )
                reaped.append(job.id)
        return [self.get(j) for j in reaped]

    # ---- client side -------------------------------------------------------------------------------

    def cancel(self, job_id: str) -> Job:
        """queued -> canceled at once; running -> cancel requested (the worker stops at the next check)."""
        with self._transaction() as db:
            row = db.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"job {job_id!r} not found")
            if row["state"] == "queued":
                db.execute(
                    "UPDATE jobs SET state = 'canceled', finished_at = ?, cancel_requested = 1,"
                    " error = 'canceled before it started' WHERE id = ?",
                    (time.time(), job_id),
                )
            elif row["state"] == "running":
                db.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", (job_id,))
            else:
                raise JobConflictError(f"job {job_id} already {row['state']}; nothing to cancel")
        return self.get(job_id)

    def retry(self, job_id: str) -> Job:
        """failed | canceled -> queued, keeping the id and parameters (seed included)."""
        with self._transaction() as db:
            row = db.execute("SELECT kind, model, state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"job {job_id!r} not found")
            if row["state"] not in ("failed", "canceled"):
                raise JobConflictError(f"job {job_id} is {row['state']}; only failed or canceled jobs retry")
            if row["kind"] == "retrain":
                self._check_unique(db, row["kind"], row["model"], exclude=job_id)
            db.execute(
                "UPDATE jobs SET state = 'queued', progress = 0, started_at = NULL, finished_at = NULL,"
                " error = NULL, result = NULL, cancel_requested = 0, worker_id = NULL, worker_pid = NULL,"
                " worker_host = NULL, heartbeat_at = NULL WHERE id = ?",
                (job_id,),
            )
        return self.get(job_id)


def _orphan_reason(job: Job, me: WorkerIdentity, now: float, stale_after: float) -> str | None:
    if job.worker_id == me.id:
        return None
    where = f"worker pid {job.worker_pid} on {job.worker_host}"
    same_host = job.worker_host == me.host and job.worker_pid is not None
    if same_host and (job.worker_pid == me.pid or not pid_alive(job.worker_pid)):  # type: ignore[arg-type]
        return f"{where} exited while running the job; retry it with POST /v1/jobs/{job.id}/retry"
    if job.heartbeat_at is None or now - job.heartbeat_at > stale_after:
        age = "never" if job.heartbeat_at is None else f"{now - job.heartbeat_at:.0f}s ago"
        return f"{where} stopped sending heartbeats (last {age}); retry it with POST /v1/jobs/{job.id}/retry"
    return None


def new_job_id() -> str:
    return uuid.uuid4().hex
