"""Retrain jobs: train a new version from an uploaded table, then apply the quality gate.

torch is imported here, lazily, and only ever in a worker process: the API never runs this module's
training code, so the serve-only install keeps working without torch.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from chronogan.service.jobs.context import JobContext
from chronogan.service.jobs.gate import decide

from chronogan.artifacts.store import ModelStore

# Training reports progress 0..1; the last few percent are the gate and clean-up.
_TRAIN_SHARE = 0.95


def run_retrain(ctx: JobContext) -> dict[str, Any]:
    from chronogan.training.api import train_version  # torch: only in the worker, only when a retrain runs

    p = ctx.job.params
    name: str = p["model"]
    upload = Path(p["upload"])
    store = ModelStore(ctx.settings.store)

    version, metrics = train_version(
        upload,
        name=name,
        store=store.root,
        options=dict(p.get("options") or {}),
        on_progress=lambda fraction: ctx.progress(fraction * _TRAIN_SHARE),
    )
    return finish_retrain(ctx, store, name, version, metrics)


def finish_retrain(
    ctx: JobContext, store: ModelStore, name: str, version: str, metrics: dict[str, Any]
) -> dict[str, Any]:
    """After training published `version`: the last cancellation point, the quality gate, clean-up.
    Shared with the Ray executor, whose retrain task trains and publishes on a cluster node."""
    ctx.progress(_TRAIN_SHARE, force=True)  # last cancellation point before the version can go live

    # Compare with what is active *now*: another retrain or a manual activation may have happened meanwhile.
    active = store.active_version(name)
    if active == version:  # train_version activates the first version of a new model itself
        active = None
    active_metrics = store.read_manifest(name, active).metrics if active else None
    p = ctx.job.params
    decision = decide(
        metrics,
        active_version=active,
        active_metrics=active_metrics,
        promote=bool(p.get("promote", False)),
        margin=ctx.settings.gate_margin,
    )
    if decision.activate and store.active_version(name) != version:
        store.set_active(name, version)

    # The upload has served its purpose; failed jobs keep theirs so that a retry can use it.
    upload = Path(p["upload"])
    upload.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        upload.parent.rmdir()
    return {
        "model": name,
        "version": version,
        "activated": decision.activate,
        "active_version": store.active_version(name),
        "gate": decision.to_dict(),
        "metrics": metrics,
    }
