"""The decoded-space critic (`output_critic_weight`): a second discriminator on what users see."""

from __future__ import annotations

import pytest
import torch
from chronogan.training.config import TimeGANConfig
from chronogan.training.models.spec import DataSpec
from chronogan.training.models.timegan import TimeGANNetworks
from chronogan.training.trainer import train_networks

from tests.training.test_trainer import small_timegan, tiny_data


def test_the_critic_trains_beside_the_latent_discriminator_and_steers_the_generator():
    data = tiny_data()
    with_critic = train_networks(small_timegan(joint_steps=8, output_critic_weight=1.0), data, progress=False)
    plain = train_networks(small_timegan(joint_steps=8), data, progress=False)
    nets = with_critic.networks
    assert nets.output_critic is not None and plain.networks.output_critic is None
    assert nets.output_critic.rnn.bidirectional  # every step's logit reads the whole sequence
    joint = [r for r in with_critic.history if r["phase"] == "joint"][-1]
    assert {"g_adv_output", "d_output"} <= set(joint)
    # Same seed, same batches: only the critic's term can make the generators differ.
    a, b = nets.generator.state_dict(), plain.networks.generator.state_dict()
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_the_critic_is_not_part_of_generation_and_padding_is_never_a_cue():
    data = tiny_data()
    nets = TimeGANNetworks(TimeGANConfig(hidden_dim=8, output_critic_weight=1.0), DataSpec.from_data(data)).eval()
    x = torch.from_numpy(data.x[:4])
    lengths = torch.from_numpy(data.lengths[:4])
    cond = torch.from_numpy(data.cond[:4])
    with torch.no_grad():
        logits = nets.criticize_output(x, cond, lengths)
    assert logits.shape == x.shape[:2]
    noise = torch.randn(2, 8, nets.noise_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        before = nets.generate(noise, cond[:2], lengths[:2])
        for p in nets.output_critic.parameters():
            p.add_(1.0)
        after = nets.generate(noise, cond[:2], lengths[:2])
    assert torch.equal(before, after)  # generation never runs through the critic
    # Real data is zero-padded; whatever a generator leaves beyond a length must not change a logit.
    padded = x.clone()
    for i, n in enumerate(lengths.tolist()):
        padded[i, n:] = 0.7
    inside = torch.arange(x.shape[1])[None, :] < lengths[:, None]
    with torch.no_grad():
        logits = nets.criticize_output(x, cond, lengths)  # the critic's weights were changed above
        changed = nets.criticize_output(padded, cond, lengths)
    assert (lengths < x.shape[1]).any()
    assert torch.allclose(changed[inside], logits[inside])


@pytest.mark.parametrize(
    ("settings", "field"),
    [({"output_critic_weight": -1.0}, "output_critic_weight"), ({"output_critic_dim": 0}, "output_critic_dim"),
     ({"output_critic_weight": 1.0, "loss": "began"}, "output_critic_weight")],
)  # fmt: skip
def test_bad_critic_settings_name_the_field(settings, field):
    with pytest.raises(ValueError, match=field):
        TimeGANConfig(**settings)


def test_the_critic_is_part_of_the_architecture_a_checkpoint_must_match():
    assert TimeGANConfig(output_critic_weight=1.0).architecture() != TimeGANConfig().architecture()
    assert (
        TimeGANConfig(output_critic_weight=1.0).architecture() == TimeGANConfig(output_critic_weight=3.0).architecture()
    )
