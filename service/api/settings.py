"""Service settings, read from the environment (prefix `CHRONOGAN_`) by pydantic-settings.

One object configures the HTTP app, the worker and `chronogan serve`, so the three always agree on where
the model store, the job database and the batch outputs live.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHRONOGAN_", extra="ignore")

    store: Path = Field(Path("models"), description="Model store root (`<store>/<name>/<version>/`).")
    api_key: SecretStr | None = Field(
        None, description="When set, mutating routes require it in the `X-API-Key` header."
    )
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)

    # Requests above this many sequences must go through a batch job (memory and latency stay bounded).
    sync_limit_sequences: int = Field(10_000, ge=1)
    max_body_bytes: int = Field(1_000_000, ge=1, description="Limit for JSON request bodies.")
    max_upload_bytes: int = Field(100 * 1024 * 1024, ge=1, description="Limit for retrain uploads.")

    jobs_db: Path | None = Field(None, description="SQLite job store; default `<store>/.jobs/jobs.sqlite3`.")
    jobs_dir: Path | None = Field(None, description="Batch outputs and uploads; default `<store>/.jobs/files`.")
    # uvicorn's default (5 s) closes idle keep-alive connections so early that, under load, a client's next
    # request on a pooled connection races the close and fails with a connection reset (measured: 9 of 3,476
    # requests with 64 clients). Keep it above any proxy's idle timeout so the proxy closes first.
    keep_alive_seconds: float = Field(75.0, gt=0, description="Idle keep-alive connection timeout.")
    workers: int = Field(1, ge=0, description="Job worker processes `chronogan serve` starts beside the API.")
    http_workers: int | None = Field(
        None, ge=1, description="API processes (`serve --workers`); default: one per core (BENCHMARKS.md)."
    )
    ort_threads: int | None = Field(
        None, ge=1, description="onnxruntime intra-op threads per session; default: cores / API processes."
    )
    # Bounded load (admission.py): generations running at once per API process, and how long a request
    # may expect to queue for a slot before it is refused with 503 + Retry-After instead. 0.5 s, measured on
    # 2 quiet cores (BENCHMARKS.md, issue 13): at 0.2 or 0.3 s, 32 steady clients already got 503s (the
    # queue that 32 clients make at ~175 req/s is ~0.2 s); at 0.5 s none did, and 64 clients still got a
    # bounded p99 (~0.9 s) with the excess refused.
    generate_slots: int = Field(2, ge=1, description="Concurrent generate requests per API process.")
    generate_max_wait_seconds: float = Field(
        0.5, ge=0, description="Expected queue wait above which a generate request gets a fast 503."
    )
    max_loaded_versions: int = Field(8, ge=1, description="onnxruntime sessions kept warm (LRU).")
    warm_on_start: bool = Field(True, description="Load every active version when the app starts.")

    # Quality gate for retrains: the new version goes live only if its discriminative score on held-out
    # validation data is not worse than the active version's on the same data by more than the larger of
    # this and twice the standard error of the difference (scores are |accuracy - 0.5|, lower is better).
    gate_margin: float = Field(0.05, ge=0)
    gate_validation_fraction: float = Field(
        0.2, gt=0, lt=1, description="Share of a retrain upload held out (entities, or the final stretch)."
    )
    gate_steps: int = Field(500, ge=1, description="Classifier steps per gate repeat.")
    gate_repeats: int = Field(5, ge=2, description="Repeats (paired seeds) of the gate's classifier.")
    # Privacy check: share of synthetic sequences closer to a training record than to any validation one
    # (~0.5 for data that does not memorise, with equal set sizes; scaled for others) above which a retrain
    # is refused.
    gate_max_share_closer_to_training: float = Field(0.8, gt=0, le=1)

    poll_seconds: float = Field(1.0, gt=0, description="How often an idle worker looks for jobs.")
    heartbeat_seconds: float = Field(5.0, gt=0, description="How often a busy worker proves it is alive.")
    # A running job whose heartbeat is older than this belongs to a dead (or hung) worker.
    stale_after_seconds: float = Field(60.0, gt=0)

    # Where batch and retrain jobs run (docs/SCALING.md). "local": worker processes beside the API.
    # "ray": the API process drives Ray tasks on a cluster (`pip install "chronogan[ray]"`).
    executor: Literal["local", "ray"] = Field("local", description="Job executor: local or ray.")
    ray_address: str | None = Field(
        None, description="Ray cluster to join (`auto`, `ray://host:10001`, `host:port`); none starts a local one."
    )
    ray_output: str | None = Field(
        None,
        description="Where Ray batch jobs write their part files: a path every node sees, or a pyarrow "
        "filesystem URI (`s3://bucket/prefix`); default `<jobs_dir>`. Each job gets `<ray_output>/<job id>/`.",
    )
    # 64 chunks of 1024: a shard is a few seconds of work, so retrying a lost one costs little, and a
    # million sequences make 16 tasks, enough to keep a handful of nodes busy.
    ray_shard_sequences: int = Field(65_536, ge=1024, multiple_of=1024, description="Sequences per Ray task.")
    ray_max_jobs: int = Field(4, ge=1, description="Jobs the Ray driver runs at once.")
    ray_task_retries: int = Field(3, ge=0, description="Retries of a Ray task whose worker or node died.")
    ray_retrain_cpus: float = Field(1.0, gt=0, description="CPUs a Ray retrain task asks for.")

    @model_validator(mode="after")
    def _default_job_paths(self) -> Settings:
        if self.jobs_db is None:
            self.jobs_db = self.store / ".jobs" / "jobs.sqlite3"
        if self.jobs_dir is None:
            self.jobs_dir = self.store / ".jobs" / "files"
        return self

    @property
    def jobs_db_path(self) -> Path:
        assert self.jobs_db is not None  # filled in by the validator
        return self.jobs_db

    @property
    def jobs_dir_path(self) -> Path:
        assert self.jobs_dir is not None
        return self.jobs_dir

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None
