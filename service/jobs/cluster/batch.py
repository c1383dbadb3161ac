"""A batch job on Ray: one task per shard, the driver waiting, reporting progress and cancelling.

Shards are chunk-aligned ranges of the job's sequences; each chunk draws from its own RNG stream derived
from (seed, chunk index) (`SequenceGenerator.iter_chunks`), so a shard's rows are exactly those the
local executor writes for the same range, and the joined parts are byte-identical to its file.
A shard whose worker or node dies is re-run by Ray (`max_retries`) and rewrites its own part name, so
retries never duplicate or lose rows; the driver checks every part's row and sequence counts anyway.
"""

from __future__ import annotations

import logging
from typing import Any

import ray
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.batch import MEDIA_TYPES
from chronogan.service.jobs.cluster.tasks import batch_shard, read_artifact
from chronogan.service.jobs.context import JobContext
from chronogan.service.jobs.dataset import Part, remove_dataset, sweep_temporaries, write_manifest
from ray.exceptions import RayError, RayTaskError

from chronogan.artifacts.errors import ChronoganError
from chronogan.artifacts.store import ModelStore

log = logging.getLogger("chronogan.ray")
# How long the driver waits for finished shards between progress and cancellation checks.
WAIT_SECONDS = 0.25


def dataset_uri(settings: Settings, job_id: str) -> str:
    base = settings.ray_output or str(settings.jobs_dir_path.resolve())
    return f"{base.rstrip('/')}/{job_id}/dataset"


def plan_shards(n: int, size: int) -> list[tuple[int, int]]:
    return [(first, min(n, first + size)) for first in range(0, n, size)]


def run_batch_on_ray(ctx: JobContext) -> dict[str, Any]:
    p = ctx.job.params
    settings = ctx.settings
    name, version, fmt, n, seed = p["model"], p["version"], p["format"], int(p["n_sequences"]), int(p["seed"])
    artifact = ray.put(read_artifact(ModelStore(settings.store).version_dir(name, version)))
    uri = dataset_uri(settings, ctx.job.id)
    remove_dataset(uri)  # a retried job starts from an empty folder
    request = {k: p.get(k) for k in ("n_sequences", "seed", "seq_len", "context", "start", "format")}
    request["threads"] = settings.ort_threads
    shards = plan_shards(n, settings.ray_shard_sequences)
    task = batch_shard.options(max_retries=settings.ray_task_retries, retry_exceptions=[OSError])
    # A bounded window of submitted shards (twice the cluster's CPUs): enough to keep every core busy,
    # little for a cancel to take back, and nodes that join during the job get work as the window moves.
    window = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
    index_of: dict[ray.ObjectRef, int] = {}
    pending: list[ray.ObjectRef] = []
    parts: list[Part] = []
    nodes: set[str] = set()
    peak_mb = 0.0
    try:
        while len(parts) < len(shards):
            while len(pending) < window and len(index_of) < len(shards):
                i = len(index_of)
                ref = task.remote(artifact, request, i, *shards[i], uri)
                index_of[ref] = i
                pending.append(ref)
            done, pending = ray.wait(pending, num_returns=len(pending), timeout=WAIT_SECONDS)
            for ref in done:
                part, reply = _part(ref, index_of[ref], shards)
                parts.append(part)
                nodes.add(str(reply["node"]))
                peak_mb = max(peak_mb, float(reply.get("peak_rss_mb", 0.0)))
            ctx.progress(len(parts) / len(shards))  # also the cancellation point
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        remove_dataset(uri)
        raise
    sweep_temporaries(uri)  # half-written parts of workers that died before Ray re-ran their shard
    parts.sort(key=lambda part: part.index)
    meta = {"model": name, "version": version, "seed": seed, "format": fmt, "n_sequences": n}
    manifest = write_manifest(uri, parts, {**meta, "rows": sum(p.rows for p in parts)})
    return {
        **meta,
        "rows": sum(part.rows for part in parts),
        "part_bytes": sum(part.bytes for part in parts),  # the joined download differs (one footer)
        "parts": len(parts),
        "nodes": len(nodes),  # how many Ray nodes ran shards
        "peak_task_rss_mb": round(peak_mb, 1),  # the largest Ray worker process that ran a shard
        "dataset": uri,
        "manifest": manifest,
        "file": f"result.{fmt}",
        "media_type": MEDIA_TYPES[fmt],
    }


def _part(ref: ray.ObjectRef, index: int, shards: list[tuple[int, int]]) -> tuple[Part, dict[str, Any]]:
    try:
        reply = ray.get(ref)
        part = Part(**reply["part"])
    except RayTaskError as exc:  # the task raised (after its retries): the user sees the cause
        raise ChronoganError(f"shard {index} failed: {exc.cause}") from exc
    except RayError as exc:  # worker or node lost more often than the retries allow, object lost, ...
        raise ChronoganError(f"shard {index} was lost: {type(exc).__name__}") from exc
    first, stop = shards[index]
    if (part.index, part.first_sequence, part.sequences) != (index, first, stop - first):
        raise ChronoganError(f"shard {index} reported sequences {part.first_sequence}+{part.sequences}")
    return part, reply
