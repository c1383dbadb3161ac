"""Retrain jobs: hold out validation data, train a new version on the rest, then apply the quality gate.

The gate scores the new and the active version on the same held-out data before the new version is
published, so its decision, scores, standard error, floor and privacy result are in the new version's
manifest (`metrics.gate`, `metrics.privacy`) as well as in the job result.

`train_gated` is the whole of it up to publishing; the local worker (`run_retrain`) and the Ray executor's
task (`chronogan.service.jobs.cluster.tasks.retrain`) both run it, so a retrain is gated the same way
wherever it runs. `finish_retrain` then activates (or not) and cleans up, in the process that owns the job.

torch is imported here, lazily, and only ever in a worker process (or Ray task): the API never runs this
module's training code, so the serve-only install keeps working without torch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from chronogan.service.api.settings import Settings
from chronogan.service.jobs.context import JobContext
from chronogan.service.jobs.gate import GateDecision, decide

from chronogan.artifacts.store import ModelStore

# Training reports progress 0..1; the last few percent are the gate and clean-up.
_TRAIN_SHARE = 0.9
_GATE_SHARE = 0.98


@dataclass(frozen=True)
class GateSettings:
    """What the gate needs from the service settings: plain values, so a Ray task can take them along."""

    validation_fraction: float
    margin: float
    steps: int
    repeats: int
    max_share_closer_to_training: float

    @classmethod
    def of(cls, settings: Settings) -> GateSettings:
        return cls(
            settings.gate_validation_fraction,
            settings.gate_margin,
            settings.gate_steps,
            settings.gate_repeats,
            settings.gate_max_share_closer_to_training,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Split:
    train: Any  # pd.DataFrame (pandas is imported in the worker only)
    validation: Any
    info: dict[str, Any]


def run_retrain(ctx: JobContext) -> dict[str, Any]:
    p = ctx.job.params
    store = ModelStore(ctx.settings.store)
    version, metrics, decision = train_gated(
        Path(p["upload"]),
        name=p["model"],
        store=store,
        options=dict(p.get("options") or {}),
        gate=GateSettings.of(ctx.settings),
        promote=bool(p.get("promote", False)),
        progress=ctx.progress,
        # Cancellation points before minutes of scoring and before the version can go live.
        checkpoint=lambda fraction: ctx.progress(fraction, force=True),
    )
    return finish_retrain(ctx, store, p["model"], version, metrics, decision)


def train_gated(
    upload: Path,
    *,
    name: str,
    store: ModelStore,
    options: dict[str, Any],
    gate: GateSettings,
    promote: bool,
    progress: Callable[[float], None],
    checkpoint: Callable[[float], None],
) -> tuple[str, dict[str, Any], GateDecision]:
    """Split off validation data, train on the rest, score the candidate and the active version on it and
    publish the candidate (inactive) with the gate's numbers in its manifest. `progress` and `checkpoint`
    take the job's progress 0..1 (`checkpoint` where a cancellation should stop the job). Returns
    (version, metrics, decision); activating is the caller's (`finish_retrain`)."""
    # torch: only in the worker, only when a retrain runs
    from chronogan.training.api import TrainRequest, train_version
    from chronogan.training.data.holdout import holdout_or_none, split_summary
    from chronogan.training.data.io import read_table

    options = dict(options)
    request = TrainRequest.from_options(options)
    parts = holdout_or_none(
        read_table(upload), request.schema, gate.validation_fraction, seq_len=request.build_config().seq_len
    )
    split = None
    if parts is not None:
        train_rows, held_rows, _ = parts
        split = _Split(train_rows.reset_index(drop=True), held_rows.reset_index(drop=True), split_summary(*parts))
    train_path = upload
    if split is not None:
        # Parquet keeps the dtypes read from the upload exactly; the held-out rows never reach training.
        train_path = upload.with_name("train-part.parquet")
        split.train.to_parquet(train_path, index=False)
        options["evaluate"] = False  # the gate's held-out score replaces the in-sample quick score
    decided: dict[str, GateDecision] = {}

    def scored(model: Any) -> dict[str, Any]:
        checkpoint(_TRAIN_SHARE)
        active = store.active_version(name)
        if split is None:
            unavailable = "the upload is too small to hold out validation data (2 entities or seq_len rows a side)"
            decided["d"] = decide(
                None, active_version=active, promote=promote, margin=gate.margin, unavailable=unavailable
            )
            return {"gate": {"split": None, "decision": decided["d"].to_dict()}}
        measurements = _measure(model, store, name, active, split, gate)
        decided["d"] = decide(measurements, active_version=active, promote=promote, margin=gate.margin)
        checkpoint(_GATE_SHARE)
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
        on_progress=lambda fraction: progress(fraction * _TRAIN_SHARE),
        activate=False,
        before_publish=scored,
    )
    if train_path != upload:
        train_path.unlink(missing_ok=True)
    return version, metrics, decided["d"]


def finish_retrain(
    ctx: JobContext, store: ModelStore, name: str, version: str, metrics: dict[str, Any], decision: GateDecision
) -> dict[str, Any]:
    """Activate `version` when the gate said so (and nobody changed the active version meanwhile), delete
    the upload and build the job's result."""
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
    upload = Path(ctx.job.params["upload"])
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


def _measure(model: Any, store: ModelStore, name: str, active: str | None, split: _Split, gate: GateSettings) -> dict:
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
        protocol=GateProtocol(steps=gate.steps, repeats=gate.repeats),
        privacy_limits=PrivacyLimits(max_share_closer_to_training=gate.max_share_closer_to_training),
    )
