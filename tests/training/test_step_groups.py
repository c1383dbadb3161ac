"""Several time steps per recurrent step (`sample_len`): the grouping is lossless, the networks run over
groups but still take and return one row per step, the exported graph agrees with torch at any length
and the seed still fixes the bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from chronogan.training import SchemaOptions, TimeGAN, TimeGANConfig
from chronogan.training.config import resolve_sample_len
from chronogan.training.models.spec import DataSpec
from chronogan.training.models.step_groups import group_lengths, group_mask, group_steps, ungroup_steps
from chronogan.training.models.timegan import TimeGANNetworks
from chronogan.training.trainer import train_networks

from chronogan.artifacts.runtime import LoadedModel
from tests.training.test_trainer import small_timegan, tiny_data


@pytest.mark.parametrize(("steps", "k"), [(7, 3), (8, 2), (5, 1), (4, 4), (2, 3)])
def test_grouping_keeps_every_step_in_order(steps: int, k: int) -> None:
    x = torch.arange(2 * steps * 3, dtype=torch.float32).reshape(2, steps, 3)
    grouped = group_steps(x, k)
    groups = -(-steps // k)
    assert grouped.shape == (2, groups, k * 3)
    # group g holds steps g*k .. g*k+k-1, each step's features together; padding steps are zeros
    padded = torch.cat([x, torch.zeros(2, groups * k - steps, 3)], 1)
    assert torch.equal(grouped, padded.reshape(2, groups, k * 3))
    assert torch.equal(ungroup_steps(grouped, k, steps), x)


def test_a_group_counts_where_its_first_step_is_valid() -> None:
    lengths = torch.tensor([7, 6, 1, 3])
    mask = (torch.arange(7)[None, :] < lengths[:, None]).to(torch.float32)
    assert group_mask(mask, 3).tolist() == [[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 0, 0]]
    assert group_lengths(lengths, 3).tolist() == [3, 2, 1, 1]
    assert torch.equal(group_mask(mask, 3).sum(1).long(), group_lengths(lengths, 3))


def test_grouped_networks_run_fewer_recurrent_steps_but_emit_every_step() -> None:
    data = tiny_data(t=9)
    nets = TimeGANNetworks(TimeGANConfig(hidden_dim=8, sample_len=3), DataSpec.from_data(data)).eval()
    x = torch.from_numpy(data.x[:4])
    lengths = torch.from_numpy(data.lengths[:4])
    cond = torch.from_numpy(data.cond[:4])
    with torch.no_grad():
        h = nets.embed(x)
        assert h.shape == (4, 3, 8)  # 9 steps in 3 groups
        assert nets.recover(h, 9).shape == x.shape
        assert nets.discriminate(h, cond, lengths).logits.shape == (4, 3)
        for steps in (9, 7, 2):  # lengths that are not a multiple of the group size too
            noise = torch.randn(4, steps, nets.noise_dim, generator=torch.Generator().manual_seed(0))
            out = nets.generate(noise, cond, lengths.clamp(max=steps))
            assert out.shape == (4, steps, data.n_features)
            beyond = torch.arange(steps)[None, :] >= lengths.clamp(max=steps)[:, None]
            assert torch.all(out[beyond] == 0)  # padding stays zero, as real data is padded
    # per group, the generator reads every step's noise: changing step 1 alone changes the output
    noise = torch.randn(1, 9, nets.noise_dim, generator=torch.Generator().manual_seed(1))
    later = noise.clone()
    later[:, 1] += 1.0
    full = torch.tensor([9])
    with torch.no_grad():
        assert not torch.equal(nets.generate(noise, cond[:1], full), nets.generate(later, cond[:1], full))


def test_grouped_training_runs_every_phase_and_is_reproducible() -> None:
    data = tiny_data(t=9)
    first = train_networks(small_timegan(sample_len=2, seed=3), data, progress=False)
    again = train_networks(small_timegan(sample_len=2, seed=3), data, progress=False)
    assert {r["phase"] for r in first.history} >= {"embedding", "supervised", "joint"}
    a, b = first.networks.state_dict(), again.networks.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert first.networks.embedder.rnn.input_size == 2 * data.n_features


def test_the_exported_graph_matches_torch_at_any_length(energy_df: pd.DataFrame, tmp_path: Path) -> None:
    config = TimeGANConfig(
        sample_len=3, hidden_dim=8, num_layers=1, batch_size=16, seed=0,
        embedding_steps=4, supervised_steps=4, joint_steps=4,
    )  # fmt: skip
    model = TimeGAN(config).fit(energy_df, SchemaOptions(sequence_key="meter_id"), progress=False)
    folder = model.save(tmp_path / "v1", name="energy")  # save verifies the ONNX graph against torch
    served = LoadedModel.load(folder)
    onnx_table = served.generate(20, seed=4)
    pd.testing.assert_frame_equal(onnx_table, served.generate(20, seed=4))
    lengths = onnx_table.groupby("meter_id").size()
    assert (lengths % 3 != 0).any()  # some entities end inside a group
    torch_table = model.sample(20, seed=4)
    numeric = ["temperature_c", "load_kw"]
    np.testing.assert_allclose(
        onnx_table[numeric].to_numpy(dtype=float), torch_table[numeric].to_numpy(dtype=float), rtol=1e-3, atol=1e-3
    )


def test_sample_len_is_architecture_and_must_be_positive() -> None:
    assert TimeGANConfig(sample_len=2).architecture() != TimeGANConfig().architecture()
    with pytest.raises(ValueError, match="sample_len"):
        TimeGANConfig(sample_len=0)


def test_auto_groups_long_sequences_only() -> None:
    assert [resolve_sample_len("auto", t) for t in (12, 24, 39, 40, 52, 60, 150)] == [1, 1, 1, 4, 5, 6, 15]
    assert resolve_sample_len(4, 24) == 4  # an explicit value wins
    with pytest.raises(ValueError, match="sample_len"):
        TimeGANConfig(sample_len="some")  # type: ignore[arg-type]


def test_auto_leaves_short_sequences_exactly_as_before() -> None:
    data = tiny_data(t=8)
    auto = train_networks(small_timegan(), data, progress=False).networks
    one = train_networks(small_timegan(sample_len=1), data, progress=False).networks
    assert auto.sample_len == 1
    a, b = auto.state_dict(), one.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
