"""InfoGAN's latent codes on the torch side: their layout in the code vector and the priors to draw them.

The layout and priors are `chronogan.artifacts.codes`'s (the service samples the same ones with numpy):
one one-hot block per categorical code (uniform), then one value per continuous code (U[low, high]).
"""

from __future__ import annotations

from typing import cast

import torch
from chronogan.training.config import GANConfig
from torch import nn

from chronogan.artifacts.codes import CONTINUOUS_RANGE, CodeSpec, code_dim, code_specs


class CodeLayout:
    def __init__(self, config: GANConfig) -> None:
        layout = config.code_layout()
        self.specs: list[CodeSpec] = code_specs(layout["categorical"], layout["continuous"])
        self.dim = code_dim(self.specs)
        self.n_continuous = int(layout["continuous"])
        # (start, end) of each categorical block (the continuous values follow the last one).
        self.blocks: list[tuple[int, int]] = []
        start = 0
        for k in layout["categorical"]:
            self.blocks.append((start, start + int(k)))
            start += int(k)
        self.low, self.high = CONTINUOUS_RANGE

    def sample(self, batch: int) -> torch.Tensor:
        """`[batch, dim]` codes from the priors, with torch's global RNG (the trainer seeds it)."""
        parts = []
        for start, end in self.blocks:
            index = torch.randint(0, end - start, (batch,))
            parts.append(torch.nn.functional.one_hot(index, end - start).to(torch.float32))
        if self.n_continuous:
            parts.append(self.low + (self.high - self.low) * torch.rand(batch, self.n_continuous))
        return torch.cat(parts, 1) if parts else torch.zeros(batch, 0)


def code_layout(networks: nn.Module) -> CodeLayout:
    """The `CodeLayout` a TimeGAN/C-RNN-GAN network set keeps as `codes` (a plain attribute, which torch's
    `nn.Module.__getattr__` types as `Tensor | Module`)."""
    return cast(CodeLayout, networks.codes)
