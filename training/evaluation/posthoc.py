"""The small post-hoc GRU both TimeGAN scores train, plus the seeding and batching they share.

Initialisation mimics the TensorFlow layers of the reference code rather than PyTorch's defaults, because
with hidden sizes of 2-3 units and a fixed step budget the starting point visibly moves the score:

- discriminative: `tf.keras.layers.GRUCell` -> Glorot-uniform input kernel, orthogonal recurrent kernel,
  zero biases. Keras' default `reset_after=True` is exactly PyTorch's GRU formulation.
- predictive: `tf.compat.v1.nn.rnn_cell.GRUCell` -> Glorot-uniform over its joint [input+hidden] kernels and
  gate biases of 1.0. That cell applies the reset gate *before* the recurrent matmul, which `nn.GRU` cannot
  express; we accept that one difference to keep PyTorch's fused GRU kernel (a hand-written cell loop
  measured no faster and would be one more thing to get wrong).
- the dense head is Glorot-uniform with a zero bias in both.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
from torch import nn

InitStyle = Literal["keras", "tf1"]

# Independent random streams per use, so e.g. adding plots never changes a score drawn with the same seed.
STREAM_DISCRIMINATIVE = 1
STREAM_PREDICTIVE = 2
STREAM_MEMORISATION = 3
STREAM_PLOTS = 4
STREAM_FLOOR = 5


def hidden_size(n_features: int) -> int:
    """The reference's `int(dim / 2)`, floored at 1 so a single feature still gets a network."""
    return max(1, n_features // 2)


class PostHocGRU(nn.Module):
    """One GRU layer and a linear head producing one logit per step."""

    def __init__(self, n_in: int, hidden: int, *, init: InitStyle, generator: torch.Generator) -> None:
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)
        with torch.no_grad():
            if init == "keras":
                self._init_keras(generator)
            else:
                self._init_tf1(generator)
            nn.init.xavier_uniform_(self.head.weight, generator=generator)
            nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """float [B, T, n_in] -> logits [B, T]. Causal: step t saw steps 0..t only (padding comes later)."""
        out, _ = self.gru(x)
        return self.head(out).squeeze(-1)

    def final_logits(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """float [B, T, n_in], int [B] -> one logit per sequence, read after its own last valid step.

        The sequences go through the GRU packed, so the network never runs over padding at all: how much
        padding a sequence has cannot be a cue, while its length still is (a longer sequence is more steps).
        """
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.gru(packed)
        return self.head(h_n[-1]).squeeze(-1)

    def _init_keras(self, g: torch.Generator) -> None:
        # Keras initialises the whole [in, 3H] kernel as one tensor; xavier on PyTorch's [3H, in] has the
        # same fan-in/fan-out, hence the same bound. Orthogonal on [3H, H] matches Keras' [H, 3H] transposed.
        nn.init.xavier_uniform_(self.gru.weight_ih_l0, generator=g)
        nn.init.orthogonal_(self.gru.weight_hh_l0, generator=g)
        nn.init.zeros_(self.gru.bias_ih_l0)
        nn.init.zeros_(self.gru.bias_hh_l0)

    def _init_tf1(self, g: torch.Generator) -> None:
        n_in, h = self.gru.input_size, self.gru.hidden_size
        # TF1 GRUCell: gates kernel [in+H, 2H], candidate kernel [in+H, H], each Glorot over that shape.
        gate_bound = math.sqrt(6.0 / (n_in + h + 2 * h))
        cand_bound = math.sqrt(6.0 / (n_in + h + h))
        for weight in (self.gru.weight_ih_l0, self.gru.weight_hh_l0):  # rows ordered r, z, n
            nn.init.uniform_(weight[: 2 * h], -gate_bound, gate_bound, generator=g)
            nn.init.uniform_(weight[2 * h :], -cand_bound, cand_bound, generator=g)
        nn.init.zeros_(self.gru.bias_ih_l0)
        nn.init.zeros_(self.gru.bias_hh_l0)
        self.gru.bias_ih_l0[: 2 * h] = 1.0  # TF1's gate bias starts at 1 (gates begin mostly open)


def adam(model: nn.Module) -> torch.optim.Optimizer:
    # TF1 AdamOptimizer defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8 — PyTorch's defaults too.
    return torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)


def repeat_generators(seed: int, repeats: int, stream: int) -> list[tuple[np.random.Generator, torch.Generator]]:
    """One (numpy, torch) generator pair per repeat, derived from (seed, stream, repeat).

    Local generators rather than `torch.manual_seed`: evaluating must not disturb the caller's global RNGs.
    """
    pairs = []
    for child in np.random.SeedSequence(seed, spawn_key=(stream,)).spawn(repeats):
        torch_gen = torch.Generator().manual_seed(int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)))
        pairs.append((np.random.default_rng(child), torch_gen))
    return pairs


def sample_batch(n: int, batch_size: int, generator: torch.Generator) -> torch.Tensor:
    """`batch_size` distinct indices of 0..n-1 (all of them when n is smaller), like the reference's
    `np.random.permutation(n)[:batch_size]`."""
    return torch.randperm(n, generator=generator)[:batch_size]


def split_indices(n: int, rng: np.random.Generator, train_rate: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """The reference `train_test_divide`: shuffle, first int(n * rate) train, the rest test."""
    idx = rng.permutation(n)
    cut = int(n * train_rate)
    return idx[:cut], idx[cut:]


@torch.no_grad()
def logits_in_chunks(model: PostHocGRU, x: torch.Tensor, chunk: int = 8192) -> torch.Tensor:
    """Per-step logits for a whole set without materialising one huge activation tensor."""
    model.eval()
    parts = [model(x[i : i + chunk]) for i in range(0, x.shape[0], chunk)]
    model.train()
    return torch.cat(parts)


@torch.no_grad()
def final_logits_in_chunks(
    model: PostHocGRU, x: torch.Tensor, lengths: torch.Tensor, chunk: int = 8192
) -> torch.Tensor:
    """`final_logits` for a whole set, in chunks."""
    model.eval()
    parts = [model.final_logits(x[i : i + chunk], lengths[i : i + chunk]) for i in range(0, x.shape[0], chunk)]
    model.train()
    return torch.cat(parts)
