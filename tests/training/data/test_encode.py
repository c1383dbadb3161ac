"""Encoding: windows, variable-length entities, missing indicators, one-hots and conditions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from chronogan.training.data.encode import encode_generated, encode_prepared
from chronogan.training.data.infer import prepare_table
from chronogan.training.data.options import SchemaOptions, SequenceShape

SHORT = SequenceShape(seq_len=5)


def test_windows_are_stride_one_and_scaled() -> None:
    df = pd.DataFrame({"v": np.arange(30, dtype=float)})
    enc = encode_prepared(prepare_table(df, SchemaOptions(), SHORT))
    assert enc.x.shape == (26, 5, 1)
    assert enc.x.min() == 0.0 and enc.x.max() == 1.0
    np.testing.assert_allclose(enc.x[1, :, 0], np.arange(1, 6) / 29, rtol=1e-6)


def test_entities_pad_mask_missing_and_condition(energy_df: pd.DataFrame) -> None:
    enc = encode_prepared(prepare_table(energy_df, SchemaOptions(sequence_key="meter_id")))
    sizes = energy_df.groupby("meter_id", sort=False).size().to_numpy()
    assert enc.lengths.tolist() == sizes.tolist()
    assert enc.variable_length
    # padding is all zeros, and every finite value is within [0, 1]
    for i, n in enumerate(enc.lengths):
        assert not enc.x[i, n:].any()
    assert np.isfinite(enc.x).all() and enc.x.min() >= 0 and enc.x.max() <= 1
    missing = next(b for b in enc.layout.blocks if b.kind == "missing")
    n_missing = int(energy_df["load_kw"].isna().sum())
    assert int(enc.x[..., missing.start].sum()) == n_missing
    status = next(b for b in enc.layout.blocks if b.kind == "categorical")
    onehot = enc.x[..., status.start : status.end]
    assert np.allclose(onehot.sum(-1)[enc.mask()[..., 0] > 0], 1.0)
    assert enc.cond.shape == (24, 5) and np.allclose(enc.cond[:, :4].sum(1), 1.0)


def test_generated_layout_round_trips_through_the_encoder(energy_df: pd.DataFrame) -> None:
    prepared = prepare_table(energy_df, SchemaOptions(sequence_key="meter_id"))
    enc = encode_prepared(prepared)
    again = encode_generated(prepared.df, prepared.schema, max_len=enc.max_len)
    np.testing.assert_allclose(again.x, enc.x, atol=1e-6)
    np.testing.assert_allclose(again.cond, enc.cond)
