"""Adversarial losses (one interface, four implementations) and the auxiliary losses of both models.

Every loss takes per-step logits `[B, T]` (or `[B, T, 1]`) and a step mask `[B, T]` (1 = valid,
0 = padding); padded steps never contribute. A discriminator loss is a sum of *terms*
(`d_term(real_logits, real=True)` + `d_term(fake_logits, real=False)` [+ more fake terms for
TimeGAN]); `equilibrium` is the value of one term when the discriminator cannot tell real from fake,
which the training monitor compares against (None for a loss without one: BEGAN, whose balance is
the ratio of two reconstruction errors and whose progress measure is M_global instead).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar

import torch
import torch.nn.functional as F

from chronogan.artifacts.choices import SUPERVISED_LOSSES


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of `values` over entries where `mask` (broadcastable to `values`) is 1."""
    mask = mask.expand_as(values)
    return (values * mask).sum() / mask.sum().clamp_min(1.0)


def _flat(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return logits.reshape(mask.shape)


class AdversarialLoss:
    """Base class: subclasses define `d_term` and `g_loss`; `name` selects them in `adversarial_loss`."""

    name: ClassVar[str] = ""
    equilibrium: ClassVar[float | None] = 0.0
    # Losses bounded below by 0 (bce, lsgan, hinge) can be compared with a fixed threshold
    # (TimeGAN's "only update D while its loss > 0.15") and can collapse towards 0.
    bounded_below: ClassVar[bool] = True
    # Losses with a control variable that `balance` updates after each discriminator step (BEGAN's k_t).
    controlled: ClassVar[bool] = False

    def d_term(self, logits: torch.Tensor, mask: torch.Tensor, real: bool) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def d_loss(
        self, real_logits: torch.Tensor, real_mask: torch.Tensor, fake_logits: torch.Tensor, fake_mask: torch.Tensor
    ) -> torch.Tensor:
        return self.d_term(real_logits, real_mask, True) + self.d_term(fake_logits, fake_mask, False)

    def collapsed(self, d_term_mean: float) -> bool:
        """True when the discriminator wins outright (mean per-term loss near its minimum)."""
        return self.equilibrium is not None and d_term_mean < 0.1 * self.equilibrium

    def balance(self, real_score: float, fake_score: float) -> dict[str, float]:
        """Called after each discriminator step with the mean D output on real and on fake sequences;
        losses with a control variable (BEGAN's k_t) update it here and return what to log."""
        return {}

    def state_dict(self) -> dict[str, float]:
        """Training state of the loss itself (checkpoints); stateless losses have none."""
        return {}

    def load_state_dict(self, state: dict[str, float]) -> None:
        return None


class BCELoss(AdversarialLoss):
    """Standard GAN: D minimises binary cross-entropy; G uses the non-saturating -log D(G(z)).
    Equilibrium: D outputs 1/2 everywhere -> ln 2 per term."""

    name = "bce"
    equilibrium = math.log(2.0)

    def d_term(self, logits: torch.Tensor, mask: torch.Tensor, real: bool) -> torch.Tensor:
        logits = _flat(logits, mask)
        target = torch.ones_like(logits) if real else torch.zeros_like(logits)
        return masked_mean(F.binary_cross_entropy_with_logits(logits, target, reduction="none"), mask)

    def g_loss(self, logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.d_term(logits, mask, True)


class LSGANLoss(AdversarialLoss):
    """Least squares GAN (Mao et al. 2017) on the raw outputs: D -> 1 on real, 0 on fake; G -> 1.
    Equilibrium: the best constant output is 1/2 -> (1/2)^2 = 0.25 per term."""

    name = "lsgan"
    equilibrium = 0.25

    def d_term(self, logits: torch.Tensor, mask: torch.Tensor, real: bool) -> torch.Tensor:
        logits = _flat(logits, mask)
        return masked_mean((logits - (1.0 if real else 0.0)) ** 2, mask)

    def g_loss(self, logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.d_term(logits, mask, True)


class HingeLoss(AdversarialLoss):
    """Hinge loss (Lim & Ye 2017): D: relu(1 - D(real)) + relu(1 + D(fake)); G: -D(fake).
    Equilibrium: any constant output in [-1, 1] gives 1 per term (2 in total)."""

    name = "hinge"
    equilibrium = 1.0

    def d_term(self, logits: torch.Tensor, mask: torch.Tensor, real: bool) -> torch.Tensor:
        logits = _flat(logits, mask)
        return masked_mean(F.relu(1.0 - logits) if real else F.relu(1.0 + logits), mask)

    def g_loss(self, logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return -masked_mean(_flat(logits, mask), mask)


class WGANGPLoss(AdversarialLoss):
    """Wasserstein GAN with gradient penalty (Gulrajani et al. 2017): critic: -D(real) + D(fake)
    (+ `gradient_penalty`); G: -D(fake). Equilibrium: 0 per term (the critic's estimate of the
    Wasserstein distance, E[D(real)] - E[D(fake)], is 0 when it cannot tell them apart). The loss is
    unbounded below, so there is no "collapse to 0": the monitor instead flags critic dominance when
    the Wasserstein estimate per term exceeds `dominance` (the penalty keeps the critic ~1-Lipschitz,
    so for features in [0, 1] an estimate that large means the critic separates the two clearly)."""

    name = "wgan-gp"
    equilibrium = 0.0
    bounded_below = False
    dominance = 5.0

    def d_term(self, logits: torch.Tensor, mask: torch.Tensor, real: bool) -> torch.Tensor:
        value = masked_mean(_flat(logits, mask), mask)
        return -value if real else value

    def g_loss(self, logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return -masked_mean(_flat(logits, mask), mask)

    def collapsed(self, d_term_mean: float) -> bool:
        return -d_term_mean > self.dominance


class DRAGANLoss(BCELoss):
    """DRAGAN (Kodali et al. 2017): the standard GAN loss, plus (in the trainers) `dragan_penalty` on
    perturbed *real* samples, which keeps D's gradients tame around the data instead of between real and
    fake. Equilibrium as BCE: ln 2 per term."""

    name = "dragan"


class InfoGANLoss(BCELoss):
    """InfoGAN (Chen et al. 2016): the standard GAN loss, plus (in the trainers) `info_loss` of the latent
    codes fed to the generator, recovered from the fakes by a Q head on D's features, in both the
    generator's and the discriminator's loss. Equilibrium of the adversarial terms as BCE: ln 2 per term."""

    name = "infogan"


class BEGANLoss(AdversarialLoss):
    """BEGAN (Berthelot et al. 2017). D is an autoencoder; its per-step output is the reconstruction
    error L (mean |x - AE(x)| over features). D: L(real) - k_t L(fake); G: L(fake). After each D step
    k_t += lambda_k (gamma L(real) - L(fake)), clipped to [0, 1], steers the game to
    E[L(fake)] = gamma E[L(real)] (gamma: the diversity ratio). No fixed equilibrium value of a term;
    the convergence measure M_global = L(real) + |gamma L(real) - L(fake)| falls as training converges.
    """

    name = "began"
    equilibrium = None
    bounded_below = False  # the D loss is a difference; k_t, not a threshold, keeps the two sides balanced
    controlled = True

    def __init__(self, gamma: float = 0.5, lambda_k: float = 0.001, k: float = 0.0) -> None:
        self.gamma = gamma
        self.lambda_k = lambda_k
        self.k = k

    def d_term(self, logits: torch.Tensor, mask: torch.Tensor, real: bool) -> torch.Tensor:
        value = masked_mean(_flat(logits, mask), mask)
        return value if real else -self.k * value

    def g_loss(self, logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return masked_mean(_flat(logits, mask), mask)

    def balance(self, real_score: float, fake_score: float) -> dict[str, float]:
        gap = self.gamma * real_score - fake_score
        self.k = min(1.0, max(0.0, self.k + self.lambda_k * gap))
        return {"began_k": self.k, "m_global": real_score + abs(gap)}

    def state_dict(self) -> dict[str, float]:
        return {"k": self.k}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.k = float(state.get("k", self.k))


LOSS_CLASSES: dict[str, type[AdversarialLoss]] = {
    c.name: c for c in (BCELoss, LSGANLoss, WGANGPLoss, HingeLoss, DRAGANLoss, InfoGANLoss, BEGANLoss)
}


def adversarial_loss(name: str, **options: float) -> AdversarialLoss:
    """The loss called `name`; `options` are its constants (BEGAN's gamma and lambda_k)."""
    if name not in LOSS_CLASSES:
        raise ValueError(f"unknown adversarial loss {name!r}; choose one of {sorted(LOSS_CLASSES)}")
    return LOSS_CLASSES[name](**options)


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """WGAN-GP penalty E[(||grad_x critic(x_mix)|| - 1)^2] on random interpolates of real and fake.

    `critic(x) -> [B, T]` per-step logits; its masked mean per sequence is differentiated, and the
    gradient norm is taken over valid steps only. Needs double backward through the recurrent
    layers, which torch's CPU LSTM/GRU kernels support and cuDNN's do not ("cudnn RNN backward can only
    be called in training mode" / double backward not implemented): on a GPU this one pass runs with
    cuDNN off, i.e. torch's native CUDA RNN kernels; every other pass keeps cuDNN.
    """
    alpha = torch.rand(real.size(0), *([1] * (real.dim() - 1)), dtype=real.dtype, device=real.device)
    mixed = alpha * real.detach() + (1.0 - alpha) * fake.detach()
    return _unit_gradient_penalty(critic, mixed, mask)


def dragan_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, mask: torch.Tensor, scale: float = 0.5
) -> torch.Tensor:
    """DRAGAN penalty (Kodali et al. 2017, as in their reference code): E[(||grad critic(x_hat)|| - 1)^2]
    at x_hat = x + alpha * delta, delta = `scale` * std(x) * U[0, 1) noise, alpha ~ U[0, 1) per sequence;
    std over the valid entries of the real batch. Padding is never perturbed."""
    x = real.detach()
    feature_mask = _feature_mask(mask, x).expand_as(x)
    count = feature_mask.sum().clamp_min(1.0)
    mean = (x * feature_mask).sum() / count
    std = torch.sqrt((((x - mean) ** 2) * feature_mask).sum() / count)
    delta = scale * std * torch.rand_like(x) * feature_mask
    alpha = torch.rand(x.size(0), *([1] * (x.dim() - 1)), dtype=x.dtype, device=x.device)
    return _unit_gradient_penalty(critic, x + alpha * delta, mask)


def _unit_gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    points = points.requires_grad_(True)
    # cuDNN's RNN kernels have no double backward: this one pass runs on torch's native CUDA kernels.
    with torch.backends.cudnn.flags(enabled=not points.is_cuda):
        logits = critic(points).reshape(mask.shape)
        per_sequence = (logits * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        (grad,) = torch.autograd.grad(per_sequence.sum(), points, create_graph=True)
    grad = grad * mask.reshape(*mask.shape, *([1] * (grad.dim() - mask.dim())))
    norms = grad.flatten(1).norm(dim=1)
    return ((norms - 1.0) ** 2).mean()


def masked_mse(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error over valid steps; `mask [B, T]` covers every feature of a step."""
    return masked_mean((prediction - target) ** 2, _feature_mask(mask, prediction))


def masked_mae(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute error (L1) over valid steps, the `supervised_loss="l1"` alternative to `masked_mse`."""
    return masked_mean((prediction - target).abs(), _feature_mask(mask, prediction))


def regression_loss(kind: str, error: torch.Tensor) -> torch.Tensor:
    """The term a supervised/reconstruction error enters a loss as, in the data's units: sqrt(MSE) (the
    TimeGAN reference's RMSE, whose gradient stays large as the error shrinks) or the MAE itself (its
    gradient is already constant in size). `error` is `masked_mse`'s or `masked_mae`'s value."""
    return torch.sqrt(error) if kind == "mse" else error


def regression_error(kind: str) -> Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]:
    """`masked_mse` for "mse", `masked_mae` for "l1"."""
    if kind not in SUPERVISED_LOSSES:
        raise ValueError(f"unknown supervised loss {kind!r}; choose one of {SUPERVISED_LOSSES}")
    return masked_mse if kind == "mse" else masked_mae


def reconstruction_errors(x: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    """Per-step L1 reconstruction error `[B, T]` (mean |x - AE(x)| over features): BEGAN's D output."""
    return (x - reconstruction).abs().mean(-1)


def info_loss(
    info_logits: torch.Tensor, codes: torch.Tensor, blocks: list[tuple[int, int]], n_continuous: int
) -> torch.Tensor:
    """InfoGAN's mutual-information term (its variational lower bound, up to constants): cross-entropy
    of each categorical code block plus, for the continuous codes, the Gaussian negative log-likelihood
    with unit variance, 0.5 (c - mu)^2 summed over codes, averaged over the batch.

    `codes [B, K]` lay out the one-hot categorical blocks at `blocks`, then `n_continuous` values;
    `info_logits [B, K]` are Q's predictions in the same layout (logits, then means)."""
    total = acgan_loss(info_logits, codes, blocks) if blocks else info_logits.new_zeros(())
    if n_continuous:
        mean, target = info_logits[:, -n_continuous:], codes[:, -n_continuous:]
        total = total + 0.5 * ((mean - target) ** 2).sum(1).mean()
    return total


def moment_loss(
    fake: torch.Tensor, real: torch.Tensor, fake_mask: torch.Tensor, real_mask: torch.Tensor
) -> torch.Tensor:
    """TimeGAN's moment loss: mean |std_fake - std_real| + mean |mean_fake - mean_real|, the moments taken
    across the batch for each (step, feature) over valid entries (as the reference's
    `tf.nn.moments(x, [0])`); steps valid in neither batch are left out."""
    fake_mean, fake_std, fake_n = _batch_moments(fake, _feature_mask(fake_mask, fake))
    real_mean, real_std, real_n = _batch_moments(real, _feature_mask(real_mask, real))
    both = ((fake_n > 0) & (real_n > 0)).to(fake.dtype)
    diff = (fake_std - real_std).abs() + (fake_mean - real_mean).abs()
    return (diff * both).sum() / both.sum().clamp_min(1.0)


def _batch_moments(x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    mask = mask.expand_as(x)
    count = mask.sum(0)
    mean = (x * mask).sum(0) / count.clamp_min(1.0)
    var = (((x - mean) ** 2) * mask).sum(0) / count.clamp_min(1.0)
    return mean, torch.sqrt(var + 1e-6), count


def within_std_loss(
    fake: torch.Tensor, real: torch.Tensor, fake_mask: torch.Tensor, real_mask: torch.Tensor
) -> torch.Tensor:
    """|mean over sequences of each feature's std over time|, fake vs real, averaged over features."""
    return (_mean_within_std(fake, fake_mask) - _mean_within_std(real, real_mask)).abs().mean()


def _mean_within_std(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = _feature_mask(mask, x)
    n = m.sum(1).clamp_min(1.0)  # [B, 1]
    mean = (x * m).sum(1, keepdim=True) / n.unsqueeze(1)
    std = torch.sqrt((((x - mean) ** 2) * m).sum(1) / n + 1e-6)  # [B, F]
    return std.mean(0)


ACF_MAX_LAG = 32


def autocorrelation_loss(
    fake: torch.Tensor, real: torch.Tensor, fake_mask: torch.Tensor, real_mask: torch.Tensor, max_lag: int = ACF_MAX_LAG
) -> torch.Tensor:
    """Mean |ACF_fake - ACF_real| over features and lags 1..min(T // 2, max_lag).

    ACF: each sequence's own autocorrelation per feature (centred on its own mean over valid steps, pairs
    of valid steps only), averaged over the batch. Periodicity, smoothness and noise are what the moment
    terms cannot see: a generator can match every mean and std with the wrong period.
    """
    lags = min(fake.size(1) // 2, real.size(1) // 2, max_lag)
    if lags < 1:
        return fake.new_zeros(())
    return (_mean_acf(fake, fake_mask, lags) - _mean_acf(real, real_mask, lags)).abs().mean()


def _mean_acf(x: torch.Tensor, mask: torch.Tensor, lags: int) -> torch.Tensor:
    m = _feature_mask(mask, x)  # [B, T, 1]
    n = m.sum(1, keepdim=True).clamp_min(1.0)
    centred = (x - (x * m).sum(1, keepdim=True) / n) * m  # padding contributes 0 to every product
    var = (centred**2).sum(1) + 1e-6  # [B, F]
    acf = torch.stack([(centred[:, k:] * centred[:, :-k]).sum(1) / var for k in range(1, lags + 1)])
    return acf.mean(1)  # [lags, F]


def change_correlation_loss(
    fake: torch.Tensor, real: torch.Tensor, fake_mask: torch.Tensor, real_mask: torch.Tensor
) -> torch.Tensor:
    """Mean |difference| between the correlation matrices of consecutive step changes (d_t, d_{t+1}),
    fake vs real: how features move together, and lag-1 auto- and cross-correlation of the moves.

    Built from 2F channels per pair of consecutive changes, pooled over valid steps and sequences
    (needs sequences of at least 3 valid steps). Constant channels get correlation 0, not NaN.
    """
    return (_change_correlation(fake, fake_mask) - _change_correlation(real, real_mask)).abs().mean()


def _change_correlation(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    d = x.diff(dim=1)
    pairs = torch.cat([d[:, :-1], d[:, 1:]], -1).flatten(0, 1)  # [B * (T-2), 2F]
    w = mask[:, 2:].reshape(-1, 1)  # d_{t+1} exists where step t+2 is valid (valid steps are a prefix)
    return _weighted_correlation(pairs, w)


def _weighted_correlation(rows: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Correlation matrix of the columns of `rows [N, K]` over rows with weight `w [N, 1]` = 1."""
    n = w.sum().clamp_min(1.0)
    centred = (rows - (rows * w).sum(0) / n) * w
    cov = centred.t() @ centred / n
    std = torch.sqrt(torch.diagonal(cov) + 1e-10)
    return cov / (std.unsqueeze(0) * std.unsqueeze(1))


def cross_correlation_loss(
    fake: torch.Tensor, real: torch.Tensor, fake_mask: torch.Tensor, real_mask: torch.Tensor
) -> torch.Tensor:
    """Mean |difference| between the feature-by-feature correlation matrices of the values, fake vs real,
    pooled over valid steps and sequences (off-diagonal entries only). The moment terms match every feature
    on its own; this is what says how channels move together (on Sines, independent channels came out
    correlated without it). Constant channels get correlation 0, not NaN."""
    if fake.size(-1) < 2:
        return fake.new_zeros(())
    c_fake, c_real = _pooled_correlation(fake, fake_mask), _pooled_correlation(real, real_mask)
    off = 1.0 - torch.eye(fake.size(-1), dtype=fake.dtype, device=fake.device)
    return ((c_fake - c_real).abs() * off).sum() / off.sum()


def _pooled_correlation(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return _weighted_correlation(x.flatten(0, 1), _feature_mask(mask, x).flatten(0, 1))


def context_covariance_loss(
    fake: torch.Tensor, real: torch.Tensor, mask: torch.Tensor, side: torch.Tensor
) -> torch.Tensor:
    """Mean |cov(side, per-sequence mean)_fake - cov(side, per-sequence mean)_real| over side channels and
    features, where `side [B, S]` holds what the generator was told about each sequence (its condition
    vector and normalised length) and fake and real share the batch's `side`. It says directly how a
    sequence's level should follow its context (a meter's load its capacity), which the adversarial
    signal alone taught too weakly within a CPU budget (correlation 0.35 generated vs 0.99 real)."""
    if side.numel() == 0:
        return fake.new_zeros(())
    centred_side = side - side.mean(0, keepdim=True)
    return (_side_covariance(fake, mask, centred_side) - _side_covariance(real, mask, centred_side)).abs().mean()


def _side_covariance(x: torch.Tensor, mask: torch.Tensor, centred_side: torch.Tensor) -> torch.Tensor:
    m = _feature_mask(mask, x)
    level = (x * m).sum(1) / m.sum(1).clamp_min(1.0)  # [B, F]
    level = level - level.mean(0, keepdim=True)
    return centred_side.t() @ level / x.size(0)  # [S, F]


def feature_matching_loss(
    real_features: torch.Tensor,
    fake_features: torch.Tensor,
    real_mask: torch.Tensor,
    fake_mask: torch.Tensor,
    l1: bool = False,
) -> torch.Tensor:
    """Squared (or, with `l1`, absolute) distance between the mean discriminator features of real and fake
    sequences (Salimans et al. 2016, used by C-RNN-GAN); real features are a fixed target."""
    real_mean = _mean_feature(real_features.detach(), real_mask)
    fake_mean = _mean_feature(fake_features, fake_mask)
    diff = real_mean - fake_mean
    return (diff.abs() if l1 else diff**2).mean()


def _mean_feature(features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = _feature_mask(mask, features)
    return (features * m).sum((0, 1)) / m.sum((0, 1)).clamp_min(1.0)


def acgan_loss(class_logits: torch.Tensor, cond: torch.Tensor, blocks: list[tuple[int, int]]) -> torch.Tensor:
    """ACGAN auxiliary loss: cross-entropy of each categorical context block, summed over blocks.

    `class_logits [B, sum of widths]` are laid out block after block; `cond [B, C]` holds the one-hot
    targets at `blocks` [(start, end), ...] of the condition vector.
    """
    total = class_logits.new_zeros(())
    offset = 0
    for start, end in blocks:
        width = end - start
        target = cond[:, start:end].argmax(1)
        total = total + F.cross_entropy(class_logits[:, offset : offset + width], target)
        offset += width
    return total


def _feature_mask(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """`[B, T]` step mask -> `[B, T, 1]` to broadcast over the feature axis of `like`."""
    return mask.unsqueeze(-1) if like.dim() == mask.dim() + 1 else mask
