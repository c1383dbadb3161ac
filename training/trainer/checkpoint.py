"""Training checkpoints: everything needed to continue a run exactly where it stopped.

Saved with `chronogan.training.state_files` (safetensors + JSON, no pickle) as `<dir>/checkpoint.*`:
config, data spec, network and optimiser state, per-phase step counts, time spent, torch and numpy
RNG states, monitor state and history.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from chronogan.training.config import GANConfig, config_from_saved
from chronogan.training.models.spec import DataSpec
from chronogan.training.state_files import has_tree, load_tree, save_tree

NAME = "checkpoint"


def exists(directory: Path) -> bool:
    return has_tree(directory, NAME)


def save(
    directory: Path,
    *,
    config: GANConfig,
    spec: DataSpec,
    networks: torch.nn.Module,
    optimizers: dict[str, torch.optim.Optimizer],
    steps: dict[str, int],
    seconds: dict[str, float],
    elapsed_s: float,
    rng: np.random.Generator,
    history: list[dict[str, Any]],
    monitor: dict[str, Any],
    model_state: dict[str, Any],
) -> None:
    save_tree(
        directory,
        NAME,
        {
            "config": config.to_dict(),
            "spec": spec.to_json(),
            "networks": networks.state_dict(),
            "optimizers": {name: opt.state_dict() for name, opt in optimizers.items()},
            "steps": dict(steps),
            "seconds": dict(seconds),
            "elapsed_s": elapsed_s,
            "rng": {"torch": torch.get_rng_state(), "numpy": rng.bit_generator.state},
            "history": history,
            "monitor": monitor,
            "model_state": model_state,
        },
    )


def load(directory: Path, config: GANConfig, spec: DataSpec) -> dict[str, Any]:
    """Load and check that the checkpoint fits this config's networks and this data."""
    state = load_tree(directory, NAME)
    same_model = state["config"].get("model_type") == config.model_type
    # (a checkpoint that predates an architecture field was made without it, as a saved artifact was)
    saved = config_from_saved(state["config"]) if same_model else None
    if saved is None or saved.architecture() != config.architecture():
        found = state["config"] if saved is None else saved.architecture()
        raise ValueError(
            f"checkpoint in {directory} was made with a different model ({found}); "
            f"this config needs {config.architecture()}"
        )
    if DataSpec.from_json(state["spec"]) != spec:
        raise ValueError(f"checkpoint in {directory} was made on data with a different layout or length")
    return state


def restore_rng(state: dict[str, Any], rng: np.random.Generator) -> None:
    torch.set_rng_state(state["rng"]["torch"])
    rng.bit_generator.state = state["rng"]["numpy"]
