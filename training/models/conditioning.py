"""The per-sequence side inputs of the generator and discriminator.

CGAN: the condition vector goes to the generator (with the noise) and to the discriminator (with
its input), at every step. ACGAN: the generator still gets it, but the discriminator does not see
the categorical context blocks: an auxiliary classifier has to predict them instead (if it could read
them, classifying would be trivial). Variable-length data also feeds `length / max_len` to both,
whatever the conditioning, so the networks can shape a sequence to its length. InfoGAN's latent codes
go to the generator only (the discriminator's Q head has to recover them).
"""

from __future__ import annotations

import torch
from chronogan.training.models.spec import DataSpec
from torch import nn


class ConditionInputs(nn.Module):
    def __init__(self, spec: DataSpec, conditioning: str, code_dim: int = 0) -> None:
        super().__init__()
        self.code_dim = code_dim
        self.conditioning = conditioning
        self.use_cond = conditioning in ("cgan", "acgan")
        self.use_length = spec.variable_length
        self.length_scale = float(spec.max_len)
        cat_blocks = spec.cond_layout.of_kind("categorical") if conditioning == "acgan" else []
        hidden = {c for b in cat_blocks for c in range(b.start, b.end)}
        d_channels = [c for c in range(spec.cond_dim) if c not in hidden] if self.use_cond else []
        self.d_all = len(d_channels) == spec.cond_dim  # no gather needed
        self.register_buffer("d_index", torch.tensor(d_channels, dtype=torch.long), persistent=False)
        # (start, end) of each categorical block the ACGAN classifier predicts.
        self.aux_blocks: list[tuple[int, int]] = [(b.start, b.end) for b in cat_blocks]
        self.aux_dim = sum(e - s for s, e in self.aux_blocks)
        self.g_dim = (spec.cond_dim if self.use_cond else 0) + int(self.use_length) + code_dim
        self.d_dim = len(d_channels) + int(self.use_length)

    def _length(self, lengths: torch.Tensor) -> torch.Tensor:
        return (lengths.to(torch.float32) / self.length_scale).unsqueeze(1)

    def generator_inputs(
        self, cond: torch.Tensor, lengths: torch.Tensor, codes: torch.Tensor | None = None
    ) -> torch.Tensor | None:
        """`[B, g_dim]` (condition, length, codes) or None when the generator takes nothing but noise."""
        parts = []
        if self.use_cond:
            parts.append(cond)
        if self.use_length:
            parts.append(self._length(lengths))
        if self.code_dim:
            if codes is None or codes.size(1) != self.code_dim:
                raise ValueError(f"this generator needs codes [B, {self.code_dim}]")
            parts.append(codes)
        return torch.cat(parts, 1) if parts else None

    def context_inputs(self, cond: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor | None:
        """`[B, S]` what a real sequence also has (condition, length): the context the generator's levels
        are matched against. InfoGAN's codes are left out on purpose: real sequences carry none, so
        matching the level's covariance with a code would push the code's effect to zero."""
        parts = [cond] if self.use_cond else []
        if self.use_length:
            parts.append(self._length(lengths))
        return torch.cat(parts, 1) if parts else None

    def discriminator_inputs(self, cond: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor | None:
        parts = []
        if self.d_index.numel() > 0:
            parts.append(cond if self.d_all else cond.index_select(1, self.d_index))
        if self.use_length:
            parts.append(self._length(lengths))
        return torch.cat(parts, 1) if parts else None


def with_side_input(x: torch.Tensor, side: torch.Tensor | None) -> torch.Tensor:
    """Append a per-sequence vector `[B, C]` to every step of `x [B, T, D]`."""
    if side is None:
        return x
    return torch.cat([x, side.unsqueeze(1).expand(-1, x.size(1), -1)], -1)


def step_mask(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """float32 `[B, T]`: 1 on valid steps, 0 on padding."""
    return (torch.arange(steps, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)).to(torch.float32)
