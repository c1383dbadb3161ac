"""The enumerations that training, the CLI and the HTTP API all accept, each defined once.

Torch-free (like the rest of `chronogan.artifacts`), so the service and the CLI can offer the same choices
without importing training code. Each is a `Literal` type for annotations and pydantic models, and the tuple
of its values (derived from it, never spelled out again) for argparse choices and error messages.
"""

from __future__ import annotations

from typing import Literal, get_args

# Keys of `chronogan.training.registry.MODEL_TYPES` (a test checks that they agree).
ModelTypeName = Literal["timegan", "crnngan"]
CellType = Literal["lstm", "gru"]
LossName = Literal["bce", "lsgan", "wgan-gp", "hinge"]
Conditioning = Literal["auto", "none", "cgan", "acgan"]
TrainMode = Literal["fresh", "warm"]

MODEL_TYPE_NAMES: tuple[str, ...] = get_args(ModelTypeName)
CELLS: tuple[str, ...] = get_args(CellType)
LOSSES: tuple[str, ...] = get_args(LossName)
CONDITIONINGS: tuple[str, ...] = get_args(Conditioning)
TRAIN_MODES: tuple[str, ...] = get_args(TrainMode)
DEFAULT_MODEL_TYPE: ModelTypeName = "timegan"
