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

    def __init__(self, data: EncodedData, batch_size: int, rng: np.random.Generator) -> None:
        self.rng = rng
        self.batch_size = min(batch_size, data.n_sequences)
        self.x = torch.from_numpy(np.ascontiguousarray(data.x, dtype=np.float32))
        self.cond = torch.from_numpy(np.ascontiguousarray(data.cond, dtype=np.float32))
        self.lengths = torch.from_numpy(np.ascontiguousarray(data.lengths, dtype=np.int64))
        self.mask = torch.from_numpy(np.ascontiguousarray(data.mask()[..., 0]))
        self.n = data.n_sequences
        self.max_len = data.max_len
        self.variable_length = data.variable_length

    def sample(self) -> Batch:
        index = torch.from_numpy(self.rng.choice(self.n, size=self.batch_size, replace=False))
        lengths = self.lengths.index_select(0, index)
        steps = int(lengths.max()) if self.variable_length else self.max_len
        x = self.x.index_select(0, index)[:, :steps]
        mask = self.mask.index_select(0, index)[:, :steps]
        return Batch(x, mask, self.cond.index_select(0, index), lengths)


def noise_like(batch: Batch, noise_dim: int) -> torch.Tensor:
    """Standard normal noise `[B, T, noise_dim]` (the distribution the ONNX graph's callers draw from)."""
    return torch.randn(batch.size, batch.steps, noise_dim)
