"""Categorical columns drawn from the generator's softmax (`sample_categories`) instead of its argmax: the
values follow the probabilities, the exported graph matches torch, the seed still fixes the bytes, and
models without categorical columns are untouched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from chronogan.training import SchemaOptions, TimeGAN, TimeGANConfig
from chronogan.training.data.encode import condition_layout, feature_layout
from chronogan.training.data.infer import prepare_table
from chronogan.training.export import OutputGraph
from torch import nn

from chronogan.artifacts.runtime import LoadedModel

TINY = dict(hidden_dim=8, num_layers=1, batch_size=16, log_every=2, seed=0)
FEW = dict(embedding_steps=4, supervised_steps=4, joint_steps=4)


class _FixedSoftmax(nn.Module):
    """A generator whose every step puts the same probabilities on each category."""

    def __init__(self, n_features: int, block: tuple[int, int], probs: torch.Tensor) -> None:
        super().__init__()
        row = torch.full((n_features,), 0.5)
        row[block[0] : block[1]] = probs
        self.register_buffer("row", row)

    def forward(self, noise: torch.Tensor, *_: object) -> torch.Tensor:
        return self.row.expand(noise.shape[0], noise.shape[1], -1)


def _graphs(energy_df: pd.DataFrame) -> tuple[OutputGraph, OutputGraph, torch.Tensor]:
    schema = prepare_table(energy_df, SchemaOptions(sequence_key="meter_id")).schema
    layout = feature_layout(schema)
    (block,) = [b for b in layout.blocks if b.kind == "categorical"]
    probs = 0.5 ** torch.arange(1, block.width + 1, dtype=torch.float32)
    probs = probs / probs.sum()
    core = _FixedSoftmax(layout.n_features, (block.start, block.end), probs)
    cond_dim = condition_layout(schema).n_features
    sampled = OutputGraph(core, schema, cond_dim, True, sample_categories=True).eval()
    argmax = OutputGraph(core, schema, cond_dim, True).eval()
    return sampled, argmax, probs


def test_sampled_categories_follow_the_generators_probabilities(energy_df: pd.DataFrame) -> None:
    sampled, argmax, probs = _graphs(energy_df)
    assert sampled.input_names()[-1] == "category_noise" and "category_noise" not in argmax.input_names()
    gen = torch.Generator().manual_seed(0)
    batch, steps = 400, 50
    noise = torch.randn(batch, steps, 4, generator=gen)
    condition = torch.zeros(batch, sampled.cond_dim)
    lengths = torch.full((batch,), steps, dtype=torch.long)
    uniform = torch.rand(batch, steps, 1, generator=gen)
    with torch.no_grad():
        drawn = sampled(noise, condition, lengths, uniform)[-1][:, :, 0].numpy().ravel()
        mode = argmax(noise, condition, lengths)[-1][:, :, 0].numpy().ravel()
    frequencies = np.bincount(drawn, minlength=len(probs)) / drawn.size
    # 20,000 draws: a frequency's standard error is <= 0.0035, so 0.015 is over four of them.
    np.testing.assert_allclose(frequencies, probs.numpy(), atol=0.015)
    assert set(mode) == {0}  # the argmax gives the most likely category at every step


def test_the_exported_graph_samples_what_torch_samples_and_the_seed_fixes_the_table(
    energy_df: pd.DataFrame, tmp_path: Path
) -> None:
    model = TimeGAN(TimeGANConfig(sample_categories=True, **TINY, **FEW))
    model.fit(energy_df, SchemaOptions(sequence_key="meter_id"), progress=False)
    folder = model.save(tmp_path / "v1", name="energy")  # verify_onnx raises if the categories differ
    served = LoadedModel.load(folder)
    assert "category_noise" in served.manifest.graph.inputs
    onnx_table = served.generate(30, seed=5)
    pd.testing.assert_frame_equal(onnx_table, served.generate(30, seed=5))
    torch_table = model.sample(30, seed=5)
    categorical = [c.name for c in served.schema.categorical_columns if not c.is_context]
    assert categorical
    assert (onnx_table[categorical] == torch_table[categorical]).to_numpy().mean() > 0.999
    assert not onnx_table[categorical].equals(served.generate(30, seed=6)[categorical])


def test_sampling_changes_only_the_categorical_values(energy_df: pd.DataFrame) -> None:
    """The same weights with and without sampling: every numeric value and context is the same (the category
    noise is drawn after everything else), only categorical steps may differ."""
    options = SchemaOptions(sequence_key="meter_id")
    model = TimeGAN(TimeGANConfig(**TINY, **FEW)).fit(energy_df, options, progress=False)
    argmax_table = model.sample(40, seed=2)
    model.config.sample_categories = True
    sampled_table = model.sample(40, seed=2)
    categorical = [c.name for c in model.schema.categorical_columns if not c.is_context]
    others = [c for c in argmax_table.columns if c not in categorical]
    pd.testing.assert_frame_equal(argmax_table[others], sampled_table[others])


def test_a_model_without_categorical_columns_keeps_its_graph_and_bytes() -> None:
    rng = np.random.default_rng(0)
    series = pd.DataFrame({"price": 100 + rng.normal(0, 1, 80).cumsum(), "volume": rng.integers(1, 9, 80)})
    config = dict(seq_len=8, **TINY, **FEW)
    plain = TimeGAN(TimeGANConfig(**config)).fit(series, SchemaOptions(), progress=False)
    sampling = TimeGAN(TimeGANConfig(sample_categories=True, **config)).fit(series, SchemaOptions(), progress=False)
    assert plain.graph_spec().inputs == sampling.graph_spec().inputs == ["noise"]
    pd.testing.assert_frame_equal(plain.sample(5, seed=1), sampling.sample(5, seed=1))


def test_a_bad_value_names_the_field() -> None:
    with pytest.raises(ValueError, match="sample_categories"):
        TimeGANConfig(sample_categories="yes")  # type: ignore[arg-type]
