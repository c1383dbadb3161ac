"""The module handed to the ONNX exporter: `forward(noise, cond, lengths, codes)` is the networks' `generate`."""

from __future__ import annotations

import torch
from torch import nn


class GeneratorGraph(nn.Module):
    """Wraps any networks object with `generate(noise, cond, lengths)` (TimeGAN or C-RNN-GAN).

    Export it (or a wrapper around it) with the TorchScript exporter, `dynamo=False`, with batch and
    time axes dynamic. Inputs a model does not use (no context, fixed length) are dropped by the
    exporter.
    """

    def __init__(self, networks: nn.Module) -> None:
        super().__init__()
        self.networks = networks

    def forward(
        self, noise: torch.Tensor, cond: torch.Tensor, lengths: torch.Tensor, codes: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.networks.generate(noise, cond, lengths, codes)
