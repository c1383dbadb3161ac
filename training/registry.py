"""The one registry of model types: for each, its config class, networks, training steps and estimator.

Everything that depends on the model type (`config_from_dict`, `build_networks`, `train_networks`, `load`,
`train_version`, the CLI's `--model` choices) reads this table; a new model type is one entry here plus its
four classes. Importing this module does not import torch: the torch-side classes are named by import path
and resolved on first use, so the torch-free upload check (`chronogan.training.api.validate_upload`) can read
the config classes without PyTorch installed, and so that the modules those classes live in may themselves
use this registry.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chronogan.training.config import CRNNGANConfig, GANConfig, TimeGANConfig

from chronogan.artifacts.choices import MODEL_TYPE_NAMES

if TYPE_CHECKING:
    from chronogan.training.estimator import SyntheticSeriesModel
    from chronogan.training.models.spec import DataSpec
    from chronogan.training.trainer.base import ModelSteps
    from torch import nn


@dataclass(frozen=True)
class ModelType:
    """One model type. The `*_path` fields are "module:Class" in the training package."""

    name: str
    config: type[GANConfig]
    networks_path: str  # an nn.Module built as Networks(config, spec)
    steps_path: str  # a ModelSteps subclass
    estimator_path: str  # a SyntheticSeriesModel subclass

    def networks_class(self) -> type[nn.Module]:
        return _resolve(self.networks_path)

    def steps_class(self) -> type[ModelSteps]:
        return _resolve(self.steps_path)

    def estimator_class(self) -> type[SyntheticSeriesModel]:
        return _resolve(self.estimator_path)

    def build_networks(self, config: GANConfig, spec: DataSpec) -> nn.Module:
        """Fresh networks (randomly initialised with torch's global RNG) for `config` and the data `spec`."""
        return self.networks_class()(config, spec)


MODEL_TYPES: dict[str, ModelType] = {
    entry.name: entry
    for entry in (
        ModelType(
            name="timegan",
            config=TimeGANConfig,
            networks_path="chronogan.training.models.timegan:TimeGANNetworks",
            steps_path="chronogan.training.trainer.timegan:TimeGANSteps",
            estimator_path="chronogan.training.estimator:TimeGAN",
        ),
        ModelType(
            name="crnngan",
            config=CRNNGANConfig,
            networks_path="chronogan.training.models.crnngan:CRNNGANNetworks",
            steps_path="chronogan.training.trainer.crnngan:CRNNGANSteps",
            estimator_path="chronogan.training.estimator:CRNNGAN",
        ),
    )
}
# The CLI and the HTTP schemas offer the torch-free list of names; it must be this table's keys.
assert tuple(MODEL_TYPES) == MODEL_TYPE_NAMES, "chronogan.artifacts.choices.ModelTypeName disagrees with MODEL_TYPES"
assert all(entry.config.model_type == name for name, entry in MODEL_TYPES.items())


def model_type_entry(model_type: object) -> ModelType:
    """The registry entry for a model type name; ValueError naming the choices for anything else."""
    entry = MODEL_TYPES.get(model_type) if isinstance(model_type, str) else None
    if entry is None:
        raise ValueError(f"model_type: expected one of {sorted(MODEL_TYPES)}, got {model_type!r}")
    return entry


def entry_for_config(config: GANConfig) -> ModelType:
    """The entry of a config's model type (the config's own class must be the registered one)."""
    entry = model_type_entry(config.model_type)
    if not isinstance(config, entry.config):
        raise TypeError(f"config type {type(config).__name__} is not registered for {config.model_type!r}")
    return entry


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
