"""Losses: known values, equilibrium values, masking, and the WGAN-GP double backward on CPU."""

from __future__ import annotations

import math

import pytest
import torch
from chronogan.training.losses import (
    acgan_loss,
    adversarial_loss,
    autocorrelation_loss,
    change_correlation_loss,
    dragan_penalty,
    feature_matching_loss,
    gradient_penalty,
    info_loss,
    masked_mae,
    masked_mse,
    moment_loss,
    reconstruction_errors,
    regression_error,
    regression_loss,
    within_std_loss,
)

from chronogan.artifacts.choices import LOSSES

MASK = torch.tensor([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]])  # 2 sequences, lengths 3 and 2


@pytest.mark.parametrize(
    ("name", "uninformative", "equilibrium"),
    [
        ("bce", 0.0, math.log(2)),
        ("lsgan", 0.5, 0.25),
        ("hinge", 0.0, 1.0),
        ("wgan-gp", 0.0, 0.0),
        ("dragan", 0.0, math.log(2)),
        ("infogan", 0.0, math.log(2)),
    ],
)
def test_discriminator_terms_equal_equilibrium_when_it_cannot_tell(name, uninformative, equilibrium):
    loss = adversarial_loss(name)
    logits = torch.full((2, 4), uninformative)
    assert loss.equilibrium == pytest.approx(equilibrium)
    assert loss.d_term(logits, MASK, True).item() == pytest.approx(equilibrium, abs=1e-6)
    assert loss.d_term(logits, MASK, False).item() == pytest.approx(equilibrium, abs=1e-6)
    assert loss.d_loss(logits, MASK, logits, MASK).item() == pytest.approx(2 * equilibrium, abs=1e-6)


def test_known_values_of_each_loss():
    real, fake = torch.full((2, 4), 2.0), torch.full((2, 4), -1.0)
    bce = adversarial_loss("bce")
    assert bce.d_term(real, MASK, True).item() == pytest.approx(math.log1p(math.exp(-2.0)), abs=1e-6)
    assert bce.g_loss(fake, MASK).item() == pytest.approx(math.log1p(math.exp(1.0)), abs=1e-6)  # -log sigmoid(-1)
    lsgan = adversarial_loss("lsgan")
    assert lsgan.d_term(real, MASK, True).item() == pytest.approx(1.0)  # (2 - 1)^2
    assert lsgan.d_term(fake, MASK, False).item() == pytest.approx(1.0)  # (-1 - 0)^2
    assert lsgan.g_loss(fake, MASK).item() == pytest.approx(4.0)  # (-1 - 1)^2
    hinge = adversarial_loss("hinge")
    assert hinge.d_term(real, MASK, True).item() == pytest.approx(0.0)
    assert hinge.d_term(fake, MASK, False).item() == pytest.approx(0.0)
    assert hinge.g_loss(fake, MASK).item() == pytest.approx(1.0)
    wgan = adversarial_loss("wgan-gp")
    assert wgan.d_loss(real, MASK, fake, MASK).item() == pytest.approx(-3.0)
    assert wgan.g_loss(fake, MASK).item() == pytest.approx(1.0)


@pytest.mark.parametrize("name", LOSSES)
def test_padding_never_contributes(name):
    loss = adversarial_loss(name)
    logits = torch.randn(2, 4)
    garbage = logits.clone()
    garbage[MASK == 0] = 1e6
    for real in (True, False):
        assert loss.d_term(garbage, MASK, real).item() == pytest.approx(loss.d_term(logits, MASK, real).item())
    assert loss.g_loss(garbage.unsqueeze(-1), MASK).item() == pytest.approx(loss.g_loss(logits, MASK).item())


def test_collapse_tests_and_unknown_name():
    assert adversarial_loss("bce").collapsed(0.01) and not adversarial_loss("bce").collapsed(0.6)
    assert adversarial_loss("wgan-gp").collapsed(-10.0) and not adversarial_loss("wgan-gp").collapsed(-0.1)
    with pytest.raises(ValueError, match="unknown adversarial loss"):
        adversarial_loss("minimax")


def test_gradient_penalty_of_linear_critic_matches_closed_form():
    # critic(x) = x @ w per step; the per-sequence masked mean has gradient w / n_valid on each valid step,
    # so its norm is |w| / sqrt(n_valid).
    w = torch.tensor([3.0, 4.0])  # |w| = 5
    real, fake = torch.rand(2, 4, 2), torch.rand(2, 4, 2)
    gp = gradient_penalty(lambda x: x @ w, real, fake, MASK)
    norms = torch.tensor([5.0 / math.sqrt(3), 5.0 / math.sqrt(2)])
    assert gp.item() == pytest.approx(((norms - 1) ** 2).mean().item(), rel=1e-5)


def test_gradient_penalty_double_backward_through_cpu_lstm():
    torch.manual_seed(0)
    lstm, head = torch.nn.LSTM(3, 5, batch_first=True), torch.nn.Linear(5, 1)
    critic = lambda x: head(lstm(x)[0]).squeeze(-1)  # noqa: E731
    gp = gradient_penalty(critic, torch.rand(2, 4, 3), torch.rand(2, 4, 3), MASK)
    gp.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in lstm.parameters())
    assert lstm.weight_hh_l0.grad.abs().sum() > 0


def test_masked_mse_and_moment_loss():
    target = torch.rand(2, 4, 3)
    pred = target.clone()
    pred[MASK == 0] += 100.0  # padding differences are ignored
    assert masked_mse(pred, target, MASK).item() == 0.0
    pred = target + 0.5 * MASK.unsqueeze(-1)
    assert masked_mse(pred, target, MASK).item() == pytest.approx(0.25)

    real = torch.rand(64, 5, 2)
    full = torch.ones(64, 5)
    assert moment_loss(real, real, full, full).item() == pytest.approx(0.0, abs=1e-7)
    assert moment_loss(real + 0.1, real, full, full).item() == pytest.approx(0.1, abs=1e-5)  # mean shift only
    # std doubled around the same mean: |2s - s| = s (up to the reference's +1e-6 inside the sqrt)
    centred = real - real.mean(0)
    expected = real.std(0, unbiased=False).mean().item()
    assert moment_loss(2 * centred, centred, full, full).item() == pytest.approx(expected, rel=1e-3)


def test_within_sequence_std_loss():
    steps = torch.arange(6, dtype=torch.float32)
    flat = torch.zeros(4, 6, 2)
    wavy = (0.1 * (-1.0) ** steps).reshape(1, 6, 1).expand(4, 6, 2)  # std over time 0.1
    full = torch.ones(4, 6)
    assert within_std_loss(flat, flat, full, full).item() == pytest.approx(0.0, abs=1e-6)
    assert within_std_loss(wavy, flat, full, full).item() == pytest.approx(0.1 - 1e-3, abs=1e-4)
    padded = wavy.clone()
    padded[:, 4:] = 5.0  # padding must not count
    mask = torch.ones(4, 6)
    mask[:, 4:] = 0
    assert within_std_loss(padded, wavy[:, :4], mask, full[:, :4]).item() == pytest.approx(0.0, abs=1e-6)


def test_change_correlation_loss_sees_how_features_move_together():
    g = torch.Generator().manual_seed(0)
    walk = torch.randn(256, 12, 1, generator=g).cumsum(1)
    together = torch.cat([walk, walk], -1)  # changes correlate +1
    opposite = torch.cat([walk, -walk], -1)  # changes correlate -1
    full = torch.ones(256, 12)
    assert change_correlation_loss(together, together, full, full).item() == pytest.approx(0.0, abs=1e-6)
    # the 4 same-time cross-feature entries of the 4x4 matrix differ by 2, lag-1 entries are ~0: mean ~0.5
    assert change_correlation_loss(opposite, together, full, full).item() == pytest.approx(0.5, abs=0.05)
    constant = torch.cat([walk, torch.zeros_like(walk)], -1)  # a constant channel must not give NaN
    assert torch.isfinite(change_correlation_loss(constant, together, full, full))


def test_feature_matching_and_acgan_losses():
    f = torch.rand(3, 4, 6)
    mask = torch.ones(3, 4)
    assert feature_matching_loss(f, f, mask, mask).item() == 0.0
    assert feature_matching_loss(f, f + 0.2, mask, mask).item() == pytest.approx(0.04, rel=1e-5)
    assert feature_matching_loss(f, f + 0.2, mask, mask, l1=True).item() == pytest.approx(0.2, rel=1e-5)

    cond = torch.tensor([[1.0, 0.0, 0.0, 0.7, 0.0, 1.0], [0.0, 0.0, 1.0, 0.2, 1.0, 0.0]])
    blocks = [(0, 3), (4, 6)]  # channel 3 is a numeric context value, not predicted
    uniform = torch.zeros(2, 5)
    assert acgan_loss(uniform, cond, blocks).item() == pytest.approx(math.log(3) + math.log(2), rel=1e-6)
    perfect = torch.tensor([[20.0, 0, 0, 0, 20], [0, 0, 20, 20, 0]])
    assert acgan_loss(perfect, cond, blocks).item() < 1e-6


def test_autocorrelation_loss_sees_the_period_that_moments_miss():
    t = torch.arange(48, dtype=torch.float32)
    phase = torch.rand(512, 1, generator=torch.Generator().manual_seed(0)) * 2 * torch.pi
    day = torch.sin(t * 2 * torch.pi / 24 + phase).unsqueeze(-1)
    half_day = torch.sin(t * 2 * torch.pi / 12 + phase).unsqueeze(-1)
    full = torch.ones(512, 48)
    assert moment_loss(day, half_day, full, full).item() < 0.1  # same mean and spread at every step ...
    assert autocorrelation_loss(day, half_day, full, full).item() > 0.5  # ... different period
    assert autocorrelation_loss(day, day, full, full).item() == pytest.approx(0.0, abs=1e-6)
    padded = day.clone()
    padded[:, 30:] = 7.0  # padding must not count
    mask = torch.ones(512, 48)
    mask[:, 30:] = 0
    short = day[:, :30]
    assert autocorrelation_loss(padded, short, mask, torch.ones(512, 30)).item() == pytest.approx(0.0, abs=1e-5)


def test_dragan_and_infogan_share_bce_terms_but_not_its_name():
    real, fake = torch.full((2, 4), 2.0), torch.full((2, 4), -1.0)
    for name in ("dragan", "infogan"):
        loss = adversarial_loss(name)
        assert loss.name == name and loss.bounded_below and not loss.controlled
        assert loss.d_term(real, MASK, True).item() == pytest.approx(math.log1p(math.exp(-2.0)), abs=1e-6)
        assert loss.g_loss(fake, MASK).item() == pytest.approx(math.log1p(math.exp(1.0)), abs=1e-6)


def test_began_terms_k_control_and_m_global():
    loss = adversarial_loss("began", gamma=0.5, lambda_k=0.1)
    assert loss.equilibrium is None and not loss.bounded_below and loss.controlled
    assert not loss.collapsed(0.0)  # no equilibrium: the collapse test does not apply
    errors_real, errors_fake = torch.full((2, 4), 0.2), torch.full((2, 4), 0.3)
    assert loss.d_term(errors_real, MASK, True).item() == pytest.approx(0.2)
    assert loss.d_term(errors_fake, MASK, False).item() == pytest.approx(0.0)  # k_0 = 0
    assert loss.g_loss(errors_fake, MASK).item() == pytest.approx(0.3)
    # gamma L(real) - L(fake) = 0.1 - 0.3 = -0.2: k would go below 0, is clipped; M_global = 0.2 + 0.2
    assert loss.balance(0.2, 0.3) == pytest.approx({"began_k": 0.0, "m_global": 0.4})
    # L(fake) below gamma L(real): k rises by lambda_k * 0.08 and D starts pushing fake errors up
    out = loss.balance(0.2, 0.02)
    assert out["began_k"] == pytest.approx(0.008) and out["m_global"] == pytest.approx(0.28)
    assert loss.d_term(errors_fake, MASK, False).item() == pytest.approx(-0.008 * 0.3)
    for _ in range(1000):
        loss.balance(1.0, 0.0)
    assert loss.k == 1.0  # clipped to [0, 1]
    restored = adversarial_loss("began")
    restored.load_state_dict(loss.state_dict())
    assert restored.k == 1.0


def test_reconstruction_errors_are_per_step_l1():
    x = torch.zeros(1, 2, 4)
    recon = torch.tensor([[[0.1, 0.1, 0.1, 0.1], [0.4, 0.0, 0.0, 0.0]]])
    assert torch.allclose(reconstruction_errors(x, recon), torch.tensor([[0.1, 0.1]]))


def test_dragan_penalty_of_linear_critic_matches_closed_form_and_ignores_padding():
    # The gradient of a linear critic is the same everywhere, so the perturbation does not change it.
    w = torch.tensor([3.0, 4.0])
    real = torch.rand(2, 4, 2)
    gp = dragan_penalty(lambda x: x @ w, real, MASK, scale=0.5)
    norms = torch.tensor([5.0 / math.sqrt(3), 5.0 / math.sqrt(2)])
    assert gp.item() == pytest.approx(((norms - 1) ** 2).mean().item(), rel=1e-5)
    # The perturbation is scale * std(valid real entries) * U[0, 1): a critic that sees x directly shows it.
    seen: list[torch.Tensor] = []
    dragan_penalty(lambda x: seen.append(x.detach()) or (x**2).sum(-1), real, MASK, scale=0.5)
    delta = seen[0] - real
    valid = MASK.unsqueeze(-1).expand_as(real) > 0
    std = real[valid].std(unbiased=False)
    assert (delta[~valid] == 0).all() and (delta[valid] >= 0).all() and (delta[valid] <= 0.5 * std + 1e-6).all()
    seen.clear()
    dragan_penalty(lambda x: seen.append(x.detach()) or (x**2).sum(-1), real, MASK, scale=0.0)
    assert torch.equal(seen[0], real)  # no perturbation: the penalty is taken at the real samples


def test_dragan_penalty_double_backward_through_cpu_lstm():
    torch.manual_seed(0)
    lstm, head = torch.nn.LSTM(3, 5, batch_first=True), torch.nn.Linear(5, 1)
    gp = dragan_penalty(lambda x: head(lstm(x)[0]).squeeze(-1), torch.rand(2, 4, 3), MASK)
    gp.backward()
    assert lstm.weight_hh_l0.grad is not None and lstm.weight_hh_l0.grad.abs().sum() > 0


def test_info_loss_known_values():
    # one 3-way categorical code (channels 0-2), one 2-way (3-4), one continuous (5)
    codes = torch.tensor([[1.0, 0.0, 0.0, 0.0, 1.0, 0.5], [0.0, 0.0, 1.0, 1.0, 0.0, -0.5]])
    blocks = [(0, 3), (3, 5)]
    uniform = torch.zeros(2, 6)  # uniform categorical guesses, mean 0 for the continuous code
    expected = math.log(3) + math.log(2) + 0.5 * 0.25
    assert info_loss(uniform, codes, blocks, 1).item() == pytest.approx(expected, rel=1e-6)
    perfect = torch.tensor([[30.0, 0, 0, 0, 30, 0.5], [0, 0, 30, 30, 0, -0.5]])
    assert info_loss(perfect, codes, blocks, 1).item() < 1e-6
    # continuous codes only
    assert info_loss(torch.zeros(2, 1), torch.tensor([[1.0], [-1.0]]), [], 1).item() == pytest.approx(0.5)


def test_l1_supervised_loss_known_values():
    target = torch.rand(2, 4, 3)
    pred = target + 0.5 * MASK.unsqueeze(-1)
    pred[MASK == 0] += 100.0  # padding is ignored
    assert masked_mae(pred, target, MASK).item() == pytest.approx(0.5)
    assert regression_error("l1") is masked_mae and regression_error("mse") is masked_mse
    assert regression_error("mse")(pred, target, MASK).item() == pytest.approx(0.25)
    # how each enters a loss: RMSE for mse, the MAE itself for l1 (same units as the data)
    assert regression_loss("mse", torch.tensor(0.25)).item() == pytest.approx(0.5)
    assert regression_loss("l1", torch.tensor(0.5)).item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown supervised loss"):
        regression_error("huber")
