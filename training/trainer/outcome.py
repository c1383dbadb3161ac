"""What `train_networks` returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn


@dataclass
class TrainOutcome:
    """`networks` in eval mode; `history` JSON-able records (phase, step, elapsed_s, losses, monitor…);
    `summary` steps and seconds per phase, final losses, monitor warnings; `stopped_early_reason` is
    None unless training stopped before its steps/budget ran out (divergence)."""

    networks: nn.Module
    history: list[dict[str, Any]]
    summary: dict[str, Any]
    stopped_early_reason: str | None = None
