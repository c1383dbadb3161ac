"""The recipe's statistic terms and output calibration do what a user relies on: channels keep their
relations, levels follow the context, and the missing rate comes back."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from chronogan.training import SchemaOptions, TimeGAN, TimeGANConfig
from chronogan.training.config import CRNNGANConfig, GANConfig
from chronogan.training.data.encoded import EncodedData
from chronogan.training.data.layout import LayoutBuilder
from chronogan.training.losses import context_covariance_loss, cross_correlation_loss
from chronogan.training.trainer import train_networks


def test_cross_correlation_term_separates_correlated_from_independent_channels() -> None:
    gen = torch.Generator().manual_seed(0)
    independent = torch.rand(256, 12, 3, generator=gen)
    shared = torch.rand(256, 12, 1, generator=gen)
    correlated = 0.5 * shared + 0.5 * torch.rand(256, 12, 3, generator=gen)
    mask = torch.ones(256, 12)
    assert cross_correlation_loss(independent, independent, mask, mask).item() == 0.0
    assert cross_correlation_loss(correlated, independent, mask, mask).item() > 0.4


def test_cross_correlation_term_teaches_a_generator_to_decorrelate_its_channels() -> None:
    gen = torch.Generator().manual_seed(0)
    real = torch.rand(128, 10, 2, generator=gen)
    mask = torch.ones(128, 10)
    mix = torch.nn.Parameter(torch.tensor([[1.0, 0.9], [0.9, 1.0]]))  # starts strongly correlated
    opt = torch.optim.Adam([mix], lr=0.05)
    for _ in range(200):
        z = torch.rand(128, 10, 2, generator=gen)
        loss = cross_correlation_loss(z @ mix, real, mask, mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
    z = torch.rand(4096, 10, 2, generator=gen)
    fake = (z @ mix).detach().flatten(0, 1)
    assert abs(np.corrcoef(fake[:, 0], fake[:, 1])[0, 1]) < 0.1


def test_context_term_makes_levels_follow_the_condition() -> None:
    """A generator whose level ignores the condition learns the real slope from this term alone."""
    gen = torch.Generator().manual_seed(0)
    slope = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([slope], lr=0.05)
    mask = torch.ones(64, 8)
    for _ in range(300):
        cond = torch.rand(64, 1, generator=gen)
        real = 0.2 + 0.6 * cond.unsqueeze(1) + 0.05 * torch.randn(64, 8, 1, generator=gen)
        fake = 0.5 + slope * (cond.unsqueeze(1) - 0.5) + 0.05 * torch.randn(64, 8, 1, generator=gen)
        loss = context_covariance_loss(fake, real, mask, cond)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert abs(slope.item() - 0.6) < 0.1


def _gappy(rate: float, n: int = 40, steps: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    value = rng.normal(10, 2, n * steps).round(3)
    value[rng.random(n * steps) < rate] = np.nan
    return pd.DataFrame({"id": np.repeat(np.arange(n), steps), "v": value, "w": rng.normal(0, 1, n * steps)})


def test_generated_missing_rate_matches_the_training_data_after_a_short_training() -> None:
    df = _gappy(0.05)
    config = TimeGANConfig(embedding_steps=20, supervised_steps=10, joint_steps=10, hidden_dim=8, batch_size=32)
    model = TimeGAN(config).fit(df, SchemaOptions(sequence_key="id"), progress=False)
    real_rate = df["v"].isna().mean()
    synth = model.sample(400, seed=1)
    assert abs(synth["v"].isna().mean() - real_rate) < 0.015
    assert 0.0 < model.schema.column("v").missing_threshold < 1.0


def test_output_noise_gives_integer_counts_their_step_to_step_spread() -> None:
    """Real counts drawn afresh each step (the demo's `occupants`) have rough paths; a generator whose
    recurrent path is smooth gets that roughness from the output noise, learned through the
    change-spread term alone, and the networks still export the same way."""
    from chronogan.training.data.encode import encode_prepared
    from chronogan.training.data.infer import prepare_table
    from chronogan.training.losses import moment_loss
    from chronogan.training.models.spec import DataSpec
    from chronogan.training.models.timegan import TimeGANNetworks

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"id": np.repeat(np.arange(64), 16), "count": rng.poisson(3, 64 * 16)})
    data = encode_prepared(prepare_table(df, SchemaOptions(sequence_key="id", numeric=["count"])))
    real = torch.from_numpy(data.x)
    nets = TimeGANNetworks(TimeGANConfig(hidden_dim=8, output_noise=True), DataSpec.from_data(data))
    opt = torch.optim.Adam(nets.emit_parameters(), lr=1e-2)
    cond, lengths = torch.from_numpy(data.cond), torch.from_numpy(data.lengths)
    mask = torch.ones(real.shape[:2])

    def change_std(x: torch.Tensor) -> float:
        return float(x.diff(dim=1).std())

    before = change_std(nets.generate(torch.randn(64, 16, nets.noise_dim), cond, lengths).detach())
    for _ in range(150):
        fake = nets.generate(torch.randn(64, 16, nets.noise_dim), cond, lengths)
        loss = moment_loss(fake.diff(dim=1), real.diff(dim=1), mask[:, 1:], mask[:, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = change_std(nets.generate(torch.randn(64, 16, nets.noise_dim), cond, lengths).detach())
    target = change_std(real)
    assert before < 0.5 * target  # the untrained smooth path is far too calm ...
    assert abs(after - target) < 0.2 * target  # ... and the learned output noise brings it within 20 %


def _conditioned(n: int = 64, steps: int = 6) -> EncodedData:
    """Sequences whose level is their one numeric context value."""
    rng = np.random.default_rng(0)
    layout, cond_layout = LayoutBuilder(), LayoutBuilder()
    layout.add("v", "numeric")
    cond_layout.add("capacity", "numeric")
    cond = rng.random((n, 1)).astype(np.float32)
    x = np.repeat(cond[:, None, :], steps, 1) + 0.01 * rng.standard_normal((n, steps, 1)).astype(np.float32)
    return EncodedData(x.astype(np.float32), np.full(n, steps, np.int64), cond, layout.build(), cond_layout.build())


@pytest.mark.parametrize(
    "config",
    [
        TimeGANConfig(hidden_dim=8, num_layers=1, batch_size=16, embedding_steps=2, supervised_steps=2, joint_steps=4),
        CRNNGANConfig(hidden_dim=8, num_layers=1, batch_size=16, steps=4),
        CRNNGANConfig(hidden_dim=8, num_layers=1, batch_size=16, steps=4, loss="infogan", info_categorical=(2,)),
    ],
    ids=["timegan", "crnngan", "crnngan-infogan"],
)
def test_both_models_train_their_levels_against_the_context(config: GANConfig) -> None:
    """The context term is in both generators' losses when there is a context (it once silently dropped out
    of TimeGAN's), and it compares against the real context only: InfoGAN's codes, which real sequences do not
    have, stay out of it (else it would teach the generator to ignore its codes)."""
    config = dataclasses.replace(config, log_every=1, seed=0, context_weight=100.0)
    outcome = train_networks(config, _conditioned(), progress=False)
    assert "g_context" in outcome.history[-1]
    side = outcome.networks.side
    context = side.context_inputs(torch.zeros(3, 1), torch.full((3,), 6))
    assert context is not None and context.shape == (3, 1)
