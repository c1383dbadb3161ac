"""Statistic-matching terms of the generator loss, shared by both models.

TimeGAN's reference matches the batch mean and std of every (step, feature) ("moments"). On CPU
budgets the adversarial signal alone leaves other simple properties wrong for a long time, and a
post-hoc classifier picks them up, so four more statistics of the same kind can be matched: the
spread of step-to-step changes, each sequence's own std over time, the correlation structure of
consecutive changes, each feature's autocorrelation function, the correlation between features, and how
each sequence's level follows its condition (`chronogan.training.losses`). Each term is
`weight * |statistic(fake) - statistic(real)|` on the current batch; a weight of 0 skips it.
"""

from __future__ import annotations

import torch
from chronogan.training.config import GANConfig
from chronogan.training.losses import (
    autocorrelation_loss,
    change_correlation_loss,
    context_covariance_loss,
    cross_correlation_loss,
    moment_loss,
    within_std_loss,
)


def statistics_loss(
    config: GANConfig,
    fake: torch.Tensor,
    real: torch.Tensor,
    mask: torch.Tensor,
    losses: dict[str, float],
    side: torch.Tensor | None = None,
) -> torch.Tensor:
    """Weighted sum of the enabled terms for `fake`/`real` `[B, T, F]` with step mask `[B, T]` (both
    generated for / drawn with the same per-sequence `side` inputs `[B, S]`: condition and length);
    each term's unweighted value is logged into `losses`."""
    pairs = mask[:, 1:]  # change t-1 -> t exists where step t is valid (valid steps are a prefix)
    terms = (
        ("g_moments", config.moment_weight, lambda: moment_loss(fake, real, mask, mask)),
        (
            "g_diff_moments",
            config.diff_moment_weight,
            lambda: moment_loss(fake.diff(dim=1), real.diff(dim=1), pairs, pairs),
        ),
        ("g_within_std", config.within_std_weight, lambda: within_std_loss(fake, real, mask, mask)),
        ("g_change_corr", config.change_corr_weight, lambda: change_correlation_loss(fake, real, mask, mask)),
        ("g_acf", config.acf_weight, lambda: autocorrelation_loss(fake, real, mask, mask)),
        ("g_cross_corr", config.cross_corr_weight, lambda: cross_correlation_loss(fake, real, mask, mask)),
        (
            "g_context",
            config.context_weight if side is not None else 0.0,
            lambda: context_covariance_loss(fake, real, mask, side),
        ),
    )
    total = fake.new_zeros(())
    for name, weight, term in terms:
        if weight > 0:
            value = term()
            losses[name] = value.item()
            total = total + weight * value
    return total
