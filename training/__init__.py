"""chronogan's training package: `TimeGAN`, `CRNNGAN`, their configs, and `load`.

Attributes are imported lazily so that the torch-free parts (`chronogan.training.data`, used by the service to
validate uploads) can be imported without PyTorch installed.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "TimeGAN": "chronogan.training.estimator",
    "CRNNGAN": "chronogan.training.estimator",
    "load": "chronogan.training.estimator",
    "TimeGANConfig": "chronogan.training.config",
    "CRNNGANConfig": "chronogan.training.config",
    "GANConfig": "chronogan.training.config",
    "SchemaOptions": "chronogan.training.data.options",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'chronogan.training' has no attribute {name!r}")
