"""Several time steps per recurrent step (`sample_len`, DoppelGANger's "batch generation").

With `k = sample_len` the networks read and write `k` consecutive steps at once: `[B, T, F]` becomes
`[B, ceil(T / k), k * F]` (zero-padded at the end) and back. A recurrent stack then runs `ceil(T / k)`
steps instead of `T`: each training iteration costs about `1 / k` as much on CPU, where a small LSTM's
time goes into its sequential steps, not its width; and what a sequence keeps from start to end (its
phase, its level) has to be carried over `k` times fewer recurrent steps.

The grouping is written with strided slices, `stack` and `flatten` only, so that it traces into an ONNX
graph whose time axis stays dynamic: the exported generator still takes noise `[B, T, noise_dim]` for
any `T` and returns `[B, T, F]`, so callers (the runtime, the service) never see the groups.
"""

from __future__ import annotations

import torch


def group_steps(x: torch.Tensor, k: int) -> torch.Tensor:
    """`[B, T, F] -> [B, ceil(T / k), k * F]`: group g holds steps `g*k .. g*k + k - 1` (feature-minor),
    the steps beyond T are zeros."""
    if k == 1:
        return x
    padded = torch.cat([x, x.new_zeros(x.size(0), k - 1, x.size(2))], 1)
    # Offset k-1 has the fewest strided steps, exactly ceil(T / k); the others are cut to its length.
    last = padded[:, k - 1 :: k]
    groups = last.size(1)
    parts = [padded[:, j::k][:, :groups] for j in range(k - 1)] + [last]
    return torch.stack(parts, 2).flatten(2)


def ungroup_steps(y: torch.Tensor, k: int, steps: int) -> torch.Tensor:
    """`[B, G, k * F] -> [B, steps, F]`: the inverse of `group_steps`, the padding steps cut off."""
    if k == 1:
        return y
    return y.reshape(y.size(0), -1, y.size(2) // k)[:, :steps]


def group_mask(mask: torch.Tensor, k: int) -> torch.Tensor:
    """Step mask `[B, T]` -> group mask `[B, ceil(T / k)]`: a group counts when its first step is valid
    (valid steps are a prefix, so a group is either all valid, the last partial one, or all padding)."""
    return mask if k == 1 else mask[:, ::k]


def group_lengths(lengths: torch.Tensor, k: int) -> torch.Tensor:
    """Lengths in steps -> in groups (`ceil(length / k)`)."""
    return lengths if k == 1 else torch.div(lengths + (k - 1), k, rounding_mode="floor")
