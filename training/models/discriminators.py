"""What both models' discriminators share: the classifier or BEGAN autoencoder body, and the heads.

`judge` runs a discriminator over sequences `[B, T, D]` and returns a `Judgement`: per-step outputs
(logits for a classifier; the reconstruction error for BEGAN's autoencoder), the features of its last
recurrent layer (feature matching), the ACGAN class logits and InfoGAN's Q predictions of the codes,
both from the features pooled over valid steps.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from chronogan.training.losses import reconstruction_errors
from chronogan.training.models.conditioning import step_mask, with_side_input
from chronogan.training.models.rnn import RNNStack
from torch import nn


class Judgement(NamedTuple):
    logits: torch.Tensor  # [B, T]
    features: torch.Tensor  # [B, T, feature_dim]
    aux: torch.Tensor | None  # ACGAN class logits [B, aux_dim]
    info: torch.Tensor | None  # InfoGAN Q head [B, code_dim]


class SequenceAutoencoder(nn.Module):
    """BEGAN's discriminator for sequences: a recurrent encoder, its outputs averaged over the valid
    steps into one vector per sequence (the bottleneck: `hidden` numbers for a whole sequence), and a
    recurrent decoder that rebuilds every step from that vector (and the side inputs)."""

    def __init__(self, cell: str, input_dim: int, side_dim: int, hidden: int, num_layers: int) -> None:
        super().__init__()
        self.encoder = RNNStack(cell, input_dim + side_dim, hidden, hidden, num_layers)
        self.decoder = RNNStack(cell, hidden + side_dim, hidden, input_dim, num_layers)
        self.feature_dim = hidden

    def forward(
        self, x: torch.Tensor, side: torch.Tensor | None, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-step reconstruction errors `[B, T]` and the encoder's features `[B, T, hidden]`."""
        features = self.encoder.features(with_side_input(x, side))
        mask = step_mask(lengths, x.size(1)).unsqueeze(-1)
        code = torch.tanh(self.encoder.linear((features * mask).sum(1) / mask.sum(1).clamp_min(1.0)))
        decoded = self.decoder(with_side_input(code.unsqueeze(1).expand(-1, x.size(1), -1), side))
        return reconstruction_errors(x, torch.sigmoid(decoded)), features


def discriminator_body(
    began: bool, cell: str, input_dim: int, side_dim: int, hidden: int, layers: int, bidirectional: bool
) -> RNNStack | SequenceAutoencoder:
    if began:
        return SequenceAutoencoder(cell, input_dim, side_dim, hidden, layers)
    return RNNStack(cell, input_dim + side_dim, hidden, 1, layers, bidirectional=bidirectional)


def feature_dim(body: RNNStack | SequenceAutoencoder) -> int:
    return body.feature_dim if isinstance(body, SequenceAutoencoder) else body.linear.in_features


def judge(
    body: RNNStack | SequenceAutoencoder,
    x: torch.Tensor,
    side: torch.Tensor | None,
    lengths: torch.Tensor,
    aux_head: nn.Module | None,
    info_head: nn.Module | None,
) -> Judgement:
    if isinstance(body, SequenceAutoencoder):
        logits, features = body(x, side, lengths)
    else:
        features = body.features(with_side_input(x, side))
        logits = body.linear(features).squeeze(-1)
    aux = info = None
    if aux_head is not None or info_head is not None:
        mask = step_mask(lengths, x.size(1)).unsqueeze(-1)
        pooled = (features * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        aux = aux_head(pooled) if aux_head is not None else None
        info = info_head(pooled) if info_head is not None else None
    return Judgement(logits, features, aux, info)
