"""The Python API: fit -> sample -> save -> load, and loading artifacts saved by earlier versions."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from chronogan.training import CRNNGAN, CRNNGANConfig, SchemaOptions, TimeGAN, TimeGANConfig, load

TINY = {"seq_len": 8, "hidden_dim": 8, "batch_size": 16, "log_every": 5}


def _series(rows: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    walk = 100 + rng.normal(0, 1, rows).cumsum()
    return pd.DataFrame({"price": walk.round(3), "volume": rng.integers(100, 1000, rows)})


def _fit(model_cls: type, config: object) -> object:
    return model_cls(config).fit(_series(), SchemaOptions(), progress=False)


@pytest.mark.parametrize(
    ("model_cls", "config"),
    [
        (TimeGAN, TimeGANConfig(embedding_steps=5, supervised_steps=5, joint_steps=5, **TINY)),
        (CRNNGAN, CRNNGANConfig(steps=5, **TINY)),
        # The decoded-space critic's weights travel in the checkpoint; snapshot selection leaves a normal model.
        (
            TimeGAN,
            TimeGANConfig(
                embedding_steps=5,
                supervised_steps=5,
                joint_steps=6,
                output_critic_weight=1.0,
                select_snapshots=2,
                **TINY,
            ),
        ),
    ],
)
def test_fit_sample_save_load_round_trip(model_cls: type, config: object, tmp_path: Path) -> None:
    model = _fit(model_cls, config)
    first = model.sample(6, seed=3)
    assert first.equals(model.sample(6, seed=3)) and not first.equals(model.sample(6, seed=4))
    assert list(first.columns) == ["sequence_id", "step", "price", "volume"]
    model.save(tmp_path / "m")
    again = load(tmp_path / "m")
    assert again.config == model.config
    pd.testing.assert_frame_equal(again.sample(6, seed=3), first)


def test_artifacts_saved_before_the_newer_architecture_fields_still_load(tmp_path: Path) -> None:
    """An artifact whose config.json predates `skip_connections`/`static_noise` was built without them;
    loading must rebuild that network (today's defaults would not fit its weights)."""
    old_style = TimeGANConfig(
        embedding_steps=5, supervised_steps=5, joint_steps=5, skip_connections=False, static_noise=False, **TINY
    )
    model = _fit(TimeGAN, old_style)
    expected = model.sample(4, seed=1)
    folder = model.save(tmp_path / "old")
    saved = json.loads((folder / "config.json").read_text())
    for key in ("skip_connections", "static_noise", "acf_weight"):
        del saved[key]
    (folder / "config.json").write_text(json.dumps(saved))
    loaded = load(folder)
    assert loaded.config.skip_connections is False and loaded.config.static_noise is False
    pd.testing.assert_frame_equal(loaded.sample(4, seed=1), expected)


def test_fit_takes_the_sequence_shape_from_the_config_and_leaves_the_options_alone() -> None:
    options = SchemaOptions(numeric=["volume"])
    before = dataclasses.replace(options)
    model = CRNNGAN(CRNNGANConfig(steps=1, seq_len=6, stride=4, **{k: v for k, v in TINY.items() if k != "seq_len"}))
    model.fit(_series(), options, progress=False)
    assert options == before
    assert (model.schema.seq_len, model.schema.stride, model.schema.n_sequences) == (6, 4, 19)


def test_the_config_owns_the_sequence_shape_bounds() -> None:
    with pytest.raises(ValueError, match="'seq_len' must be at most 4096"):
        TimeGANConfig(seq_len=5000)
    with pytest.raises(TypeError):
        SchemaOptions(seq_len=5)  # type: ignore[call-arg]  # not a schema option any more: the config's
