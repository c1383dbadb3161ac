"""Retrain jobs: hold out validation data, train a new version on the rest, then apply the quality gate.

The gate scores the new and the active version on the same held-out data before the new version is
published, so its decision, scores, standard error, floor and privacy result are in the new version's
manifest (`metrics.gate`, `metrics.privacy`) as well as in the job result.

torch is imported here, lazily, and only ever in a worker process: the API never runs this module's
training code, so the serve-only install keeps working without torch.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chronogan.service.jobs.context import JobContext
from chronogan.service.jobs.gate import GateDecision, decide

from chronogan.artifacts.store import ModelStore

# Training reports progress 0..1; the last few percent are the gate and clean-up.
_TRAIN_SHARE = 0.9
_GATE_SHARE = 0.98


@dataclass(frozen=True)
class _Split:
    train: Any  # pd.DataFrame (pandas is imported in the worker only)
    validation: Any
    info: dict[str, Any]


def run_retrain(ctx: JobContext) -> dict[str, Any]:
    # torch: only in the worker, only when a retrain runs
    from chronogan.training.api import TrainRequest, train_version
    from chronogan.training.data.holdout import holdout_or_none, split_summary
    from chronogan.training.data.io import read_table

    p = ctx.job.params
    name: str = p["model"]
    upload = Path(p["upload"])
    store = ModelStore(ctx.settings.store)
    options = dict(p.get("options") or {})
    request = TrainRequest.from_options(options)
    parts = holdout_or_none(
        read_table(upload),
        request.schema,
        ctx.settings.gate_validation_fraction,
        seq_len=request.build_config().seq_len,
    )
    split = None
    if parts is not None:
        train_rows, held_rows, spec = parts
        split = _Split(train_rows.reset_index(drop=True), held_rows.reset_index(drop=True), split_summary(*parts))
    train_path = upload
    if split is not None:
        # Parquet keeps the dtypes read from the upload exactly; the held-out rows never reach training.
        train_path = upload.with_name("train-part.parquet")
        split.train.to_parquet(train_path, index=False)
        options["evaluate"] = False  # the gate's held-out score replaces the in-sample quick score
    decided: dict[str, GateDecision] = {}

    def gate(model: Any) -> dict[str, Any]:
        ctx.progress(_TRAIN_SHARE, force=True)  # a cancellation point before minutes of scoring
        active = store.active_version(name)
        promote = bool(p.get("promote", False))
        if split is None:
            unavailable = "the upload is too small to hold out validation data (2 entities or seq_len rows a side)"
            decided["d"] = decide(
                None, active_version=active, promote=promote, margin=ctx.settings.gate_margin, unavailable=unavailable
            )
            return {"gate": {"split": None, "decision": decided["d"].to_dict()}}
        measurements = _measure(ctx, model, store, name, active, split)
        decided["d"] = decide(measurements, active_version=active, promote=promote, margin=ctx.settings.gate_margin)
        ctx.progress(_GATE_SHARE, force=True)  # last cancellation point before the version can go live
        return {
            "discriminative": {**measurements["candidate"], "protocol": "gate: held-out validation data"},
            "gate": {"split": split.info, "measurements": measurements, "decision": decided["d"].to_dict()},
            "privacy": measurements["privacy"],
        }

    version, metrics = train_version(
        train_path,
        name=name,
        store=store.root,
        options=options,
        on_progress=lambda fraction: ctx.progress(fraction * _TRAIN_SHARE),
        activate=False,
        before_publish=gate,
    )
    decision = decided["d"]
    active_now = store.active_version(name)
    if decision.activate and active_now != decision.active_version:
        # Another retrain or a manual activation happened while this one was scored against the old one.
        decision = GateDecision(
            **{
                **decision.to_dict(),
                "activate": False,
                "reason": f"the active version changed to {active_now} during the gate; activate this one by hand",
            }
        )
    if decision.activate:
        store.set_active(name, version)

    # The upload has served its purpose; failed jobs keep theirs so that a retry can use it.
    if train_path != upload:
        train_path.unlink(missing_ok=True)
    upload.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        upload.parent.rmdir()
    return {
        "model": name,
        "version": version,
        "activated": decision.activate,
        "active_version": store.active_version(name),
        "gate": decision.to_dict(),
        "privacy": metrics.get("privacy"),
        "metrics": metrics,
    }


def finish_retrain(
    ctx: JobContext, store: ModelStore, name: str, version: str, metrics: dict[str, Any]
) -> dict[str, Any]:
    """The Ray executor's last steps after its task trained and published `version` on a cluster node.

    That task trains on the whole upload, so there is no held-out part to score on: the gate answers as for
    an upload too small to split (a model's first version goes live; later ones wait for a manual
    activation) and says why. Running the held-out gate inside the Ray task is still to do (issue 12)."""
    ctx.progress(_TRAIN_SHARE, force=True)  # last cancellation point before the version can go live
    active = store.active_version(name)
    if active == version:  # train_version activates the first version of a new model itself
        active = None
    p = ctx.job.params
    decision = decide(
        None,
        active_version=active,
        promote=bool(p.get("promote", False)),
        margin=ctx.settings.gate_margin,
        unavailable="the Ray executor's retrain does not hold out validation data yet",
    )
    if decision.activate and store.active_version(name) != version:
        store.set_active(name, version)
    upload = Path(p["upload"])
    upload.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        upload.parent.rmdir()
    return {
        "model": name,
        "version": version,
        "activated": store.active_version(name) == version,
        "active_version": store.active_version(name),
        "gate": decision.to_dict(),
        "metrics": metrics,
    }


def _measure(ctx: JobContext, model: Any, store: ModelStore, name: str, active: str | None, split: Any) -> dict:
    from chronogan.training.evaluation.privacy import PrivacyLimits
    from chronogan.training.gate_scores import GateProtocol, gate_measurements

    from chronogan.artifacts.runtime import LoadedModel

    active_model = LoadedModel.load(store.version_dir(name, active), threads=1) if active else None
    return gate_measurements(
        schema=model.schema,
        candidate=lambda n, seed: model.sample(n, seed=seed),
        train=split.train,
        validation=split.validation,
        active=(lambda n, seed: active_model.generate(n, seed=seed)) if active_model else None,
        active_schema=active_model.schema if active_model else None,
        protocol=GateProtocol(steps=ctx.settings.gate_steps, repeats=ctx.settings.gate_repeats),
        privacy_limits=PrivacyLimits(max_share_closer_to_training=ctx.settings.gate_max_share_closer_to_training),
    )
