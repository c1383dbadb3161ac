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
LossName = Literal["bce", "lsgan", "wgan-gp", "hinge", "dragan", "infogan", "began"]
# Error of the supervised and reconstruction terms (TimeGAN supervisor/autoencoder, C-RNN-GAN feature matching).
SupervisedLoss = Literal["mse", "l1"]
Conditioning = Literal["auto", "none", "cgan", "acgan"]
TrainMode = Literal["fresh", "warm"]
# Where training runs (auto = cuda when torch sees a GPU).
DeviceName = Literal["auto", "cpu", "cuda"]

MODEL_TYPE_NAMES: tuple[str, ...] = get_args(ModelTypeName)
CELLS: tuple[str, ...] = get_args(CellType)
LOSSES: tuple[str, ...] = get_args(LossName)
SUPERVISED_LOSSES: tuple[str, ...] = get_args(SupervisedLoss)
CONDITIONINGS: tuple[str, ...] = get_args(Conditioning)
TRAIN_MODES: tuple[str, ...] = get_args(TrainMode)
DEVICES: tuple[str, ...] = get_args(DeviceName)
DEFAULT_MODEL_TYPE: ModelTypeName = "timegan"
# Most training runs `--trials` / the retrain option `trials` may start side by side.
MAX_TRIALS = 64
