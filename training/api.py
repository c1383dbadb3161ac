"""Train-and-publish entry points shared by the CLI (`chronogan train`) and the service's retrain jobs.

`options` is one flat JSON-able dict (the API's `options` form field, or the CLI flags):
schema overrides (sequence_key, time_column, categorical, numeric, context, ignore, seq_len, stride,
max_seq_len), model_type (timegan|crnngan), max_minutes, seed, loss, supervised_loss, conditioning, device,
`config` (any other config field), mode (fresh|warm), promote, evaluate, holdout (a fraction of the file kept
out of training), trials (that many runs side by side, the best kept: `chronogan.training.trials`).
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chronogan.training.budget import CommandBudget
from chronogan.training.config import GANConfig
from chronogan.training.data.holdout import check_fraction
from chronogan.training.data.options import SchemaOptions
from chronogan.training.registry import MODEL_TYPES
from chronogan.training.trials import check_trials

from chronogan.artifacts.choices import DEFAULT_MODEL_TYPE, TRAIN_MODES
from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.store import ModelStore, validate_model_name

SCHEMA_KEYS = {f.name for f in dataclasses.fields(SchemaOptions)}
# Config fields that may be given as top-level options; seq_len/stride/max_seq_len are config fields too
# (the config is their one owner), offered beside the schema overrides because they shape the data.
CONFIG_SHORTCUTS = {
    "max_minutes",
    "seed",
    "loss",
    "supervised_loss",
    "conditioning",
    "cell",
    "batch_size",
    "hidden_dim",
    "num_layers",
    "device",
    "seq_len",
    "stride",
    "max_seq_len",
}
RUN_KEYS = {"model_type", "config", "mode", "promote", "evaluate", "holdout", "trials"}


@dataclass
class TrainRequest:
    model_type: str = DEFAULT_MODEL_TYPE
    schema: SchemaOptions = field(default_factory=SchemaOptions)
    config: dict[str, Any] = field(default_factory=dict)
    mode: str = "fresh"
    promote: bool = False
    evaluate: bool = True
    holdout: float | None = None
    trials: int = 1

    @classmethod
    def from_options(cls, options: dict[str, Any] | None) -> TrainRequest:
        options = dict(options or {})
        if not isinstance(options, dict):
            raise UserInputError("options must be a JSON object", field="options")
        unknown = sorted(set(options) - SCHEMA_KEYS - CONFIG_SHORTCUTS - RUN_KEYS)
        if unknown:
            raise UserInputError(f"unknown option(s) {unknown}", field="options")
        config = options.get("config") or {}
        if not isinstance(config, dict):
            raise UserInputError("options.config must be an object", field="options.config")
        # A config file may name its model; an explicit model_type must then agree with it.
        model_type = options.get("model_type", config.get("model_type", DEFAULT_MODEL_TYPE))
        if "model_type" in config and config["model_type"] != model_type:
            raise UserInputError(
                f"model_type {model_type!r} disagrees with the config's model_type {config['model_type']!r}; "
                "drop one of them",
                field="options.model_type",
            )
        if model_type not in MODEL_TYPES:
            raise UserInputError(
                f"model_type must be one of {sorted(MODEL_TYPES)}, got {model_type!r}", field="options.model_type"
            )
        mode = options.get("mode", "fresh")
        if mode not in TRAIN_MODES:
            raise UserInputError(f"mode must be 'fresh' or 'warm', got {mode!r}", field="options.mode")
        config = dict(config)
        for key in CONFIG_SHORTCUTS & set(options):
            config[key] = options[key]
        schema = SchemaOptions.from_dict({k: v for k, v in options.items() if k in SCHEMA_KEYS})
        request = cls(
            model_type=model_type,
            schema=schema,
            config=config,
            mode=mode,
            promote=bool(options.get("promote", False)),
            evaluate=bool(options.get("evaluate", True)),
            holdout=None if options.get("holdout") is None else check_fraction(options["holdout"]),
            trials=check_trials(options.get("trials", 1)),
        )
        request.build_config()  # fail early on bad config values
        return request

    def build_config(self) -> GANConfig:
        try:
            return MODEL_TYPES[self.model_type].config.from_dict(self.config)
        except (ValueError, TypeError) as exc:
            raise UserInputError(str(exc), field="options.config") from exc


def validate_upload(path: Path, options: dict[str, Any] | None = None) -> None:
    """Torch-free check of a training file and options: raises UserInputError listing every problem."""
    from chronogan.training.data.infer import prepare_table
    from chronogan.training.data.io import read_table

    request = TrainRequest.from_options(options)
    prepare_table(read_table(path), request.schema, request.build_config().sequence_shape())


def train_version(
    path: Path,
    *,
    name: str,
    store: Path,
    options: dict[str, Any] | None = None,
    on_progress: Callable[[float], None] | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    activate: bool | None = None,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    before_publish: Callable[[Any], dict[str, Any]] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Train on `path` and publish a new version of `name`. Nothing is written unless training and export
    succeed. The version is activated when `activate` is true, or when None and the model has no active
    version yet. `before_publish(model)` runs on the fitted model before it is saved (the retrain quality
    gate); what it returns is added to the manifest's metrics. Returns (version, metrics)."""
    from chronogan.training.estimator import SyntheticSeriesModel, load

    started = time.monotonic()
    validate_model_name(name)
    from chronogan.training.device import resolve_device

    request = TrainRequest.from_options(options)
    config = request.build_config()
    resolve_device(config.device)  # `cuda` on a machine without a GPU fails now, before the data is read
    budget = CommandBudget(config.max_minutes, started, log)
    model_store = ModelStore(store)
    with model_store.model_lock(name):
        warm_dir = None
        if request.mode == "warm":
            try:
                active = model_store.resolve(name)
            except Exception as exc:
                raise UserInputError(
                    f"mode 'warm' needs an existing active version of {name!r}", field="options.mode"
                ) from exc
            warm_dir = model_store.version_dir(name, active)
        data, held, holdout = training_part(
            Path(path), request.schema, request.holdout, seq_len=config.seq_len, seed=config.seed
        )
        fingerprint: dict[str, Any] = {}
        if holdout is not None:
            from chronogan.training.data.io import file_fingerprint

            fingerprint = file_fingerprint(Path(path))
        training_seconds = None if budget.total_s is None else lambda: budget.training_seconds(time.monotonic())
        model: SyntheticSeriesModel
        if request.trials > 1:
            from chronogan.training.trials import fit_trials

            model = fit_trials(
                config,
                Path(path),
                request.schema,
                request.trials,
                holdout=request.holdout,
                fingerprint=fingerprint,
                warm_dir=warm_dir,
                checkpoint_dir=checkpoint_dir,
                resume=resume,
                training_seconds=training_seconds,
                log=log,
                on_progress=on_progress,
            )
        else:
            model = MODEL_TYPES[request.model_type].estimator_class()(config)
            model.data_fingerprint = fingerprint
            model.fit(
                data,
                request.schema,
                progress=progress,
                warm_start=None if warm_dir is None else load(warm_dir),
                log=log,
                on_progress=on_progress,
                checkpoint_dir=checkpoint_dir,
                resume=resume,
                training_seconds=training_seconds,
            )
        fitting, preparing = budget.since_mark(), model.seconds.get("prepare", 0.0)
        budget.mark("preparing the data", preparing)
        budget.mark("training", fitting - preparing)
        if request.evaluate and budget.allows_scoring():
            # Against the held-out part when there is one: data the model never saw.
            model.metrics = quick_metrics(model, Path(path) if held is None else held)
            budget.mark("the quick score", budget.since_mark())
        if holdout is not None:
            model.metrics = {**model.metrics, "holdout": holdout}
        if before_publish is not None:
            model.metrics = {**model.metrics, **before_publish(model)}
            budget.mark("the quality gate", budget.since_mark())
        with model_store.staging() as staged:
            version = model_store.next_version(name)
            model.save(staged, name=name, version=version)
            model_store.publish(staged, name, version)
        budget.mark("export, verification and publishing", budget.since_mark())
        budget.report()
        if activate or (activate is None and model_store.active_version(name) is None):
            model_store.set_active(name, version)
    if checkpoint_dir is not None:  # the run is published: its resume point is no longer needed
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return version, model.metrics


def training_part(
    path: Path, schema: SchemaOptions, holdout: float | None, *, seq_len: int, seed: int
) -> tuple[Any, Any, dict[str, Any] | None]:
    """(what to train on, the held-out rows or None, the holdout's identity for the manifest or None).
    Every trial of a `trials` run calls this with the same arguments, so all leave out the same part."""
    if holdout is None:
        return path, None, None
    from chronogan.training.data.holdout import split_holdout
    from chronogan.training.data.io import read_table

    train, held, spec = split_holdout(read_table(path), schema, holdout, seq_len=seq_len, seed=seed)
    return train, held, spec.to_dict()


def quick_metrics(model: Any, path: Any) -> dict[str, Any]:
    """A quick discriminative score of the fitted model against `path` (its training data, or the held-out
    part when there is one), stored in the manifest
    (the service shows it and the retrain quality gate compares it)."""
    from chronogan.training.quality import quick_discriminative

    return quick_discriminative(model, path)
