"""A retrain job on Ray: one task with resource requests, its progress streamed back to the driver.

The task runs the local retrain's own `train_gated` (hold-out split, training, the quality gate on the
held-out data, publishing into the model store, which every node must share); the driver then runs the
same last steps as a local retrain (`finish_retrain`: activation as the gate decided, clean-up).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ray
from chronogan.service.jobs.cluster.batch import WAIT_SECONDS
from chronogan.service.jobs.cluster.tasks import retrain
from chronogan.service.jobs.context import JobContext
from chronogan.service.jobs.retrain import _GATE_SHARE, GateSettings, finish_retrain
from ray.exceptions import RayError, RayTaskError

from chronogan.artifacts.errors import ChronoganError, UserInputError
from chronogan.artifacts.store import ModelStore


def resources(options: dict[str, Any], cpus: float, cluster_gpus: float) -> dict[str, float]:
    """What the task asks Ray for: CPUs (at least one per trial: each trial is a process training on one
    core), and a GPU when the retrain trains on `device: cuda`.

    `auto` asks for none: Ray hides GPUs from tasks that did not ask (CUDA_VISIBLE_DEVICES=""), so such
    a task trains on CPU, as `auto` does on a machine without one."""
    cpus = max(float(cpus), float(options.get("trials", 1)))
    device = options.get("device", (options.get("config") or {}).get("device", "cpu"))
    if device != "cuda":
        return {"num_cpus": cpus, "num_gpus": 0.0}
    if cluster_gpus < 1:  # the task would wait forever for a GPU that no node has
        raise UserInputError("device 'cuda' was asked for, but the Ray cluster has no GPU", field="options.device")
    return {"num_cpus": cpus, "num_gpus": 1.0}


def run_retrain_on_ray(ctx: JobContext) -> dict[str, Any]:
    p = ctx.job.params
    name: str = p["model"]
    options = dict(p.get("options") or {})
    store = ModelStore(ctx.settings.store)
    upload = str(Path(p["upload"]).resolve())
    # No retries: a half-finished training run is not resumed by re-running it; the job fails with the
    # reason and `POST /v1/jobs/{id}/retry` starts it again.
    gpus = float(ray.cluster_resources().get("GPU", 0.0))
    task = retrain.options(max_retries=0, **resources(options, ctx.settings.ray_retrain_cpus, gpus))
    gate = GateSettings.of(ctx.settings).to_dict()
    stream = task.remote(upload, name, str(store.root.resolve()), options, gate, bool(p.get("promote", False)))
    result: tuple[str, dict[str, Any], Any] | None = None
    try:
        while result is None:
            ready, _ = ray.wait([stream], timeout=WAIT_SECONDS)
            if not ready:
                ctx.check()  # cancellation while training
                continue
            kind, value = _next(stream)
            if kind == "progress":
                ctx.progress(float(value))  # the job's progress already (training, then the gate)
            else:
                result = value
    except BaseException:
        ray.cancel(stream, force=True)
        raise
    ctx.progress(_GATE_SHARE, force=True)  # last cancellation point before the version can go live
    version, metrics, decision = result
    return finish_retrain(ctx, store, name, version, metrics, decision)


def _next(stream: Any) -> tuple[str, Any]:
    try:
        return ray.get(next(stream))
    except StopIteration:
        raise ChronoganError("the retrain task ended without a result") from None
    except RayTaskError as exc:
        cause = exc.cause
        if isinstance(cause, UserInputError | ChronoganError):
            raise cause from None  # bad options or data: the same message a local retrain gives
        raise ChronoganError(f"retrain task failed: {type(cause).__name__}: {cause}") from exc
    except RayError as exc:
        raise ChronoganError(f"retrain task was lost: {type(exc).__name__}") from exc
