"""The hold-out split: disjoint from training, reproducible from its recorded identity, refused when too small."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from chronogan.training.data.holdout import HoldoutSpec, apply_holdout, split_holdout
from chronogan.training.data.infer import prepare_table
from chronogan.training.data.options import SchemaOptions, SequenceShape

from chronogan.artifacts.errors import UserInputError


def _entities(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"meter": np.repeat([f"m{i}" for i in range(n)], 5), "load": rng.normal(size=n * 5).round(3)})


def test_entity_holdout_is_disjoint_whole_entities_and_reproducible() -> None:
    df = _entities()
    options = SchemaOptions(sequence_key="meter")
    train, held, spec = split_holdout(df, options, 0.25, seq_len=5, seed=3)
    assert spec.kind == "entities" and len(spec.keys) == 10
    assert set(train["meter"]).isdisjoint(set(held["meter"]))
    assert set(held["meter"]) == set(spec.keys) and len(train) + len(held) == len(df)
    assert (held.groupby("meter").size() == 5).all()  # whole entities, never a part of one
    # The identity alone (as stored in the manifest, through JSON) splits the same file the same way.
    again_train, again_held = apply_holdout(df, HoldoutSpec.from_dict(spec.to_dict()), options)
    pd.testing.assert_frame_equal(again_held, held)
    pd.testing.assert_frame_equal(again_train, train)
    assert split_holdout(df, options, 0.25, seq_len=5, seed=4)[2].keys != spec.keys  # the seed decides


def test_final_stretch_holdout_comes_after_every_training_row_in_time() -> None:
    days = pd.date_range("2024-01-01", periods=100, freq="D")
    df = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "v": np.arange(100.0)})
    shuffled = df.sample(frac=1.0, random_state=0)  # the file's order is not the time order
    train, held, spec = split_holdout(shuffled, SchemaOptions(), 0.2, seq_len=10)
    assert spec.kind == "final_stretch" and spec.first_row == 80 and spec.time_from == "2024-03-21T00:00:00"
    assert sorted(held["v"]) == list(np.arange(80.0, 100.0)) and train["v"].max() == 79.0
    # Windows built from the training part never reach a held-out step.
    windows = prepare_table(train.reset_index(drop=True), SchemaOptions(), SequenceShape(seq_len=10))
    assert windows.df["v"].max() == 79.0


def test_holdout_refuses_bad_fractions_too_few_entities_and_another_file() -> None:
    with pytest.raises(UserInputError, match="holdout must be a fraction"):
        split_holdout(_entities(), SchemaOptions(sequence_key="meter"), 0.9, seq_len=5)
    with pytest.raises(UserInputError, match="each side needs at least 2"):
        split_holdout(_entities(4), SchemaOptions(sequence_key="meter"), 0.2, seq_len=5)
    with pytest.raises(UserInputError, match=r"seq_len \+ 1 = 25"):
        split_holdout(pd.DataFrame({"v": np.arange(50.0)}), SchemaOptions(), 0.2, seq_len=24)
    _, _, spec = split_holdout(_entities(), SchemaOptions(sequence_key="meter"), 0.2, seq_len=5)
    with pytest.raises(UserInputError, match="table of 200 rows"):
        apply_holdout(_entities(30), spec, SchemaOptions(sequence_key="meter"))
