"""Training loops. Public entry point: `train_networks(config, data, ...) -> TrainOutcome`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from chronogan.training.config import GANConfig
from chronogan.training.data.encoded import EncodedData
from chronogan.training.device import resolve_device
from chronogan.training.losses import adversarial_loss
from chronogan.training.models import build_networks
from chronogan.training.models.spec import DataSpec
from chronogan.training.monitor import TrainingMonitor
from chronogan.training.registry import entry_for_config
from chronogan.training.trainer import checkpoint
from chronogan.training.trainer.batches import BatchSampler
from chronogan.training.trainer.loop import SnapshotScorer, TrainingRun
from chronogan.training.trainer.outcome import TrainOutcome
from chronogan.training.trainer.threads import torch_threads
from torch import nn

__all__ = ["train_networks", "TrainOutcome"]


def train_networks(
    config: GANConfig,
    data: EncodedData,
    *,
    networks: nn.Module | None = None,
    progress: bool = True,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    log: Callable[[str], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
    scorer: SnapshotScorer | None = None,
) -> TrainOutcome:
    """Train the networks of `config.model_type` on `data`.

    `networks`: warm start from these weights (copied into new networks; the object passed in is untouched).
    `checkpoint_dir`: save a checkpoint every `config.checkpoint_every` steps and at each phase end;
    with `resume=True` continue from the checkpoint there (weights, optimisers, step counts, RNG
    states, history, time already spent against `max_minutes`); without one, start afresh.
    `progress`: tqdm bar per phase on stderr. `log`: receives one-line messages (phases, warnings).
    `on_progress`: called with the fraction done (0..1: the larger of time used against `max_minutes` and
    steps done against the step counts) at every history record; it may raise to cancel training.
    `scorer`: with `config.select_snapshots`, scores snapshots of the generator (lower is better) and the
    best is returned (`chronogan.training.trainer.selection`); without one, the last weights are.
    The global torch RNG and thread count are restored on return; the result only depends on
    `config.seed` (when no time budget cuts the run short).
    """
    spec = DataSpec.from_data(data)
    _check_data(data)
    checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    device = resolve_device(config.device)
    rng_devices = [device.index or 0] if device.type == "cuda" else []
    with torch_threads(config.num_threads), torch.random.fork_rng(devices=rng_devices):
        torch.manual_seed(config.seed)
        rng = np.random.default_rng(config.seed)
        # Every parameter, buffer and batch on the device; optimisers and weight averages are built after
        # the move, so their state is there too.
        nets = _starting_networks(config, spec, networks).to(device)
        nets.train()
        loss = adversarial_loss(config.loss, **loss_constants(config))
        monitor = TrainingMonitor(loss, log)
        sampler = BatchSampler(data, config.batch_size, rng, device)
        model = entry_for_config(config).steps_class()(config, nets, sampler, loss)
        run = TrainingRun(
            config,
            spec,
            model,
            rng,
            monitor,
            progress=progress,
            checkpoint_dir=checkpoint_dir,
            log=log,
            on_progress=on_progress,
            scorer=scorer,
        )
        if resume and checkpoint_dir is not None and checkpoint.exists(checkpoint_dir):
            run.restore(checkpoint.load(checkpoint_dir, config, spec))
            if log is not None:
                log(f"resumed from {checkpoint_dir} at steps {run.steps}")
        elif resume and log is not None:
            log(f"no checkpoint in {checkpoint_dir}: training from the start")
        run.run()
        model.finish()
        run.apply_selection()
    # Export, ONNX verification, checkpoints' consumers and sampling all work on a CPU copy.
    nets.to("cpu").eval()
    return TrainOutcome(nets, run.history, run.summary(), run.stop_reason)


def loss_constants(config: GANConfig) -> dict[str, float]:
    """The constructor options of `config.loss` (BEGAN's gamma and lambda_k; the others take none)."""
    if config.loss == "began":
        return {"gamma": config.began_gamma, "lambda_k": config.began_lambda_k}
    return {}


def _starting_networks(config: GANConfig, spec: DataSpec, networks: nn.Module | None) -> nn.Module:
    fresh = build_networks(config, spec)
    if networks is None:
        return fresh
    if type(networks) is not type(fresh):
        raise ValueError(f"warm start: got {type(networks).__name__}, config needs {type(fresh).__name__}")
    old = getattr(networks, "spec", None)
    # max_len may change (it only scales the length input); the feature/condition layouts may not.
    if old is None or (old.layout, old.cond_layout, old.variable_length) != (
        spec.layout,
        spec.cond_layout,
        spec.variable_length,
    ):
        raise ValueError("warm start: the networks were built for data with different columns or categories")
    try:  # copies the weights, so the networks passed in are never modified
        fresh.load_state_dict(networks.state_dict())
    except RuntimeError as error:
        raise ValueError(f"warm start: the networks do not match the config's sizes: {error}") from error
    return fresh


def _check_data(data: EncodedData) -> None:
    if data.n_sequences == 0:
        raise ValueError("no training sequences")
    if not np.isfinite(data.x).all() or not np.isfinite(data.cond).all():
        raise ValueError("training data contains NaN or inf (missing values must be encoded first)")
    if data.lengths.min() < 1 or data.lengths.max() > data.max_len:
        raise ValueError(f"lengths must be in [1, {data.max_len}]")
