"""The privacy check (distance to closest record against unseen validation data) and the gate refusing
a candidate that memorises, with the reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
from chronogan.service.jobs.gate import decide
from chronogan.training.data.holdout import split_holdout
from chronogan.training.data.infer import prepare_table
from chronogan.training.data.options import SchemaOptions, SequenceShape
from chronogan.training.evaluation.privacy import privacy_check
from chronogan.training.gate_scores import GateProtocol, gate_measurements


def _waves(n: int, rng: np.random.Generator, t: int = 12, f: int = 3) -> np.ndarray:
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1, f))
    steps = np.arange(t)[None, :, None]
    return (0.5 + 0.4 * np.sin(steps / 2 + phase) + 0.05 * rng.standard_normal((n, t, f))).astype(np.float32)


def test_fresh_samples_pass_and_copies_fail() -> None:
    rng = np.random.default_rng(0)
    train, validation, fresh = _waves(300, rng), _waves(100, rng), _waves(200, rng)
    honest = privacy_check(train, fresh, validation)
    assert honest["passed"], honest["reason"]
    assert honest["share_expected"] == 0.75  # 300 training vs 100 validation sequences
    assert abs(honest["share_closer_to_training"] - 0.75) < 0.1 and 0.7 < honest["dcr_ratio"] < 1.3
    assert honest["n_exact_copies"] == 0

    copies = np.concatenate([train[:150], fresh[:50]])
    caught = privacy_check(train, copies, validation)
    assert not caught["passed"]
    assert caught["n_exact_copies"] == 150 and "near-exact copies" in caught["reason"]
    assert caught["share_closer_to_training"] > caught["share_limit"]

    # Slightly perturbed training sequences: no exact copies, but far closer to training than fresh data is.
    near = train[:200] + 0.002 * rng.standard_normal(train[:200].shape).astype(np.float32)
    leaky = privacy_check(train, near, validation)
    assert not leaky["passed"] and leaky["share_closer_to_training"] > 0.9 and leaky["dcr_ratio"] < 0.2


def test_a_collapsed_generator_is_not_called_a_memoriser() -> None:
    # Every sample alike and far from all real data: one side wins every comparison, but nothing is copied.
    rng = np.random.default_rng(1)
    train, validation = _waves(200, rng), _waves(60, rng)
    constant = np.full((100, 12, 3), 0.5, dtype=np.float32)
    result = privacy_check(train, constant, validation)
    assert result["passed"] and result["dcr_ratio"] > 1


def test_gate_refuses_a_candidate_that_memorises() -> None:
    # The candidate "generates" its training sequences back; no model and no mock: the gate's own code
    # scores it on the held-out final stretch and reads the training part for the privacy check.
    rng = np.random.default_rng(2)
    t = np.arange(300)
    df = pd.DataFrame({"a": np.sin(t / 3) + 0.1 * rng.standard_normal(300), "b": np.cos(t / 5) + 2})
    train, validation, _ = split_holdout(df, SchemaOptions(), 0.2, seq_len=8)
    schema = prepare_table(train, SchemaOptions(), SequenceShape(seq_len=8)).schema

    def copier(n: int, seed: int) -> pd.DataFrame:
        starts = np.random.default_rng(seed).choice(len(train) - 8, size=n, replace=True)
        parts = [train.iloc[s : s + 8].assign(sequence_id=i, step=range(8)) for i, s in enumerate(starts)]
        return pd.concat(parts, ignore_index=True)[["sequence_id", "step", "a", "b"]]

    def noise(n: int, seed: int) -> pd.DataFrame:
        r = np.random.default_rng(seed)
        return pd.DataFrame(
            {
                "sequence_id": np.repeat(np.arange(n), 8),
                "step": np.tile(np.arange(8), n),
                "a": r.uniform(-1, 1, 8 * n),
                "b": r.uniform(1, 3, 8 * n),
            }
        )

    measurements = gate_measurements(
        schema=schema,
        candidate=copier,
        train=train,
        validation=validation,
        active=noise,
        protocol=GateProtocol(steps=20, repeats=2),
    )
    privacy = measurements["privacy"]
    assert not privacy["passed"] and privacy["n_exact_copies"] > 0
    decision = decide(measurements, active_version="v1", promote=False, margin=0.05)
    assert not decision.activate
    assert decision.reason.startswith("the new version fails the privacy check") and "copies" in decision.reason
    assert decision.privacy_passed is False and decision.se is not None and decision.floor is not None
