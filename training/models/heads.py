"""Block-wise output activation: sigmoid on numeric/missing channels, softmax per categorical block.

It is written with gathers only (no per-block Python loop), so it is cheap, traces into a fixed ONNX
graph and can be called from TorchScript (the C-RNN-GAN generator loop applies it every step).
"""

from __future__ import annotations

import torch
from chronogan.training.data.layout import FeatureLayout
from torch import nn


def block_activation(
    logits: torch.Tensor, is_cat: torch.Tensor, cat_index: torch.Tensor, flat_index: torch.Tensor, has_cat: bool
) -> torch.Tensor:
    """Apply the head to `logits [..., F]`. Buffers come from `BlockHead` (kept as arguments so that
    TorchScript functions can call this)."""
    probs = torch.sigmoid(logits)
    if not has_cat:
        return probs
    # Padding logit for blocks narrower than the widest: exp(-1e9 - max) is exactly 0, and unlike -inf
    # it never makes inf - inf = NaN. (A literal: TorchScript cannot read module globals.)
    pad = torch.full_like(logits.narrow(-1, 0, 1), -1e9)
    extended = torch.cat([logits, pad], -1)  # index F = the padding channel
    grouped = extended.index_select(-1, cat_index.flatten())
    shape = list(logits.shape[:-1]) + [cat_index.size(0), cat_index.size(1)]
    soft = torch.softmax(grouped.reshape(shape), -1).flatten(-2)
    return torch.where(is_cat, soft.index_select(-1, flat_index), probs)


class BlockHead(nn.Module):
    """`logits [..., F] -> [..., F]` in [0, 1] following a `FeatureLayout`."""

    def __init__(self, layout: FeatureLayout) -> None:
        super().__init__()
        n = layout.n_features
        cats = layout.of_kind("categorical")
        width = max((b.width for b in cats), default=1)
        cat_index = torch.full((len(cats), width), n, dtype=torch.long)  # n -> padding channel
        flat_index = torch.zeros(n, dtype=torch.long)
        is_cat = torch.zeros(n, dtype=torch.bool)
        for i, block in enumerate(cats):
            for j, channel in enumerate(range(block.start, block.end)):
                cat_index[i, j] = channel
                flat_index[channel] = i * width + j  # where this channel lands after flatten(-2)
                is_cat[channel] = True
        self.has_cat = bool(cats)
        self.register_buffer("is_cat", is_cat, persistent=False)
        self.register_buffer("cat_index", cat_index, persistent=False)
        self.register_buffer("flat_index", flat_index, persistent=False)

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        return block_activation(logits, self.is_cat, self.cat_index, self.flat_index, self.has_cat)
