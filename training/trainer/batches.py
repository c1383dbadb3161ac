"""Minibatches from `EncodedData`, drawn with a seeded numpy Generator (so runs are reproducible)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from chronogan.training.data.encoded import EncodedData


@dataclass
class Batch:
    x: torch.Tensor  # float32 [B, T, F], zero beyond each length
    mask: torch.Tensor  # float32 [B, T]: 1 on valid steps
    cond: torch.Tensor  # float32 [B, C]
    lengths: torch.Tensor  # int64 [B]

    @property
    def size(self) -> int:
        return int(self.x.size(0))

    @property
    def steps(self) -> int:
        return int(self.x.size(1))


class BatchSampler:
    """Samples `batch_size` distinct sequences per call (all of them when there are fewer).

    Batches are trimmed to their longest sequence: for entity data this skips all-padding steps,
    which the recurrent layers would otherwise still compute.
    """

    def __init__(
        self, data: EncodedData, batch_size: int, rng: np.random.Generator, device: torch.device | None = None
    ) -> None:
        device = device or torch.device("cpu")
        self.rng = rng
        self.batch_size = min(batch_size, data.n_sequences)
        # The whole (small) training set lives on the device, so a batch is an index_select there.
        self.x = torch.from_numpy(np.ascontiguousarray(data.x, dtype=np.float32)).to(device)
        self.cond = torch.from_numpy(np.ascontiguousarray(data.cond, dtype=np.float32)).to(device)
        self.lengths = torch.from_numpy(np.ascontiguousarray(data.lengths, dtype=np.int64)).to(device)
        self.mask = torch.from_numpy(np.ascontiguousarray(data.mask()[..., 0])).to(device)
        self.n = data.n_sequences
        self.max_len = data.max_len
        self.variable_length = data.variable_length

    def sample(self) -> Batch:
        index = torch.from_numpy(self.rng.choice(self.n, size=self.batch_size, replace=False)).to(self.x.device)
        lengths = self.lengths.index_select(0, index)
        steps = int(lengths.max()) if self.variable_length else self.max_len  # (one sync per batch on a GPU)
        x = self.x.index_select(0, index)[:, :steps]
        mask = self.mask.index_select(0, index)[:, :steps]
        return Batch(x, mask, self.cond.index_select(0, index), lengths)


def noise_like(batch: Batch, noise_dim: int) -> torch.Tensor:
    """Standard normal noise `[B, T, noise_dim]` (the distribution the ONNX graph's callers draw from)."""
    return torch.randn(batch.size, batch.steps, noise_dim, device=batch.x.device)
