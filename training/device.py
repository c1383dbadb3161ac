"""Which torch device training runs on (`GANConfig.device`, `chronogan train --device`)."""

from __future__ import annotations

import torch

from chronogan.artifacts.errors import UserInputError


def resolve_device(name: str) -> torch.device:
    """ "auto" -> cuda when torch sees a GPU, else cpu; "cuda" without one is the user's error (exit 2 in
    the CLI, a failed job with this message in the service), not a silent fall-back to a 50x slower CPU run."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserInputError(
            f"device 'cuda' was asked for, but torch {torch.__version__} sees no CUDA GPU "
            f"(CUDA build: {torch.version.cuda or 'none'}); use --device cpu or auto",
            field="device",
        )
    if name not in ("cpu", "cuda"):
        raise UserInputError(f"device must be auto, cpu or cuda, got {name!r}", field="device")
    return torch.device(name)
