"""The gate's collapse check: generated sequences that sit still where unseen real ones move are refused,
even when the gate's short classifier cannot tell them from the active version."""

from __future__ import annotations

import numpy as np
import pandas as pd
from chronogan.service.jobs.gate import decide
from chronogan.training.data.holdout import split_holdout
from chronogan.training.data.infer import prepare_table
from chronogan.training.data.options import SchemaOptions, SequenceShape
from chronogan.training.gate_scores import GateProtocol, gate_measurements


def _table(n: int, seed: int, *, flat: bool) -> pd.DataFrame:
    """n generated sequences of 8 steps: waves like the data, or each one constant at a random level."""
    r = np.random.default_rng(seed)
    steps = np.tile(np.arange(8), n)
    phase = np.repeat(r.uniform(0, 2 * np.pi, n), 8)
    a = np.repeat(r.uniform(-0.1, 0.1, n), 8) if flat else np.sin(steps / 3 + phase)
    return pd.DataFrame(
        {"sequence_id": np.repeat(np.arange(n), 8), "step": steps, "a": a, "site": "x", "b": np.cos(steps / 5) + 2}
    )


def test_flat_sequences_fail_the_spread_check_and_static_columns_are_not_judged() -> None:
    t = np.arange(300)
    rng = np.random.default_rng(3)
    # `site` never changes and `b` is a slow wave: only `a` moves much within a window of 8 steps.
    df = pd.DataFrame({"a": np.sin(t / 3) + 0.05 * rng.standard_normal(300), "b": np.cos(t / 5) + 2, "w": 7.0})
    train, validation, _ = split_holdout(df, SchemaOptions(), 0.2, seq_len=8)
    schema = prepare_table(train, SchemaOptions(), SequenceShape(seq_len=8)).schema

    def sampler(flat: bool):  # noqa: ANN202
        return lambda n, seed: _table(n, seed, flat=flat).drop(columns="site").assign(w=7.0)

    proto = GateProtocol(steps=20, repeats=2)
    kw = {"schema": schema, "train": train, "validation": validation, "protocol": proto}
    good = gate_measurements(candidate=sampler(False), active=sampler(True), **kw)["spread"]
    flat = gate_measurements(candidate=sampler(True), active=sampler(False), **kw)["spread"]

    assert good["passed"] and good["min_ratio"] > 0.5, good
    rows = {row["column"]: row for row in flat["per_column"]}
    assert not flat["passed"] and rows["a"]["ratio"] < 0.1 and "'a'" in flat["reason"], flat
    assert rows["w"]["judged"] is False and rows["w"]["ratio"] is None  # the real data never moves there


def test_gate_refuses_a_flat_candidate_within_the_margin() -> None:
    measured = {
        "candidate": {"mean": 0.27},
        "active": {"mean": 0.36},
        "floor": {"mean": 0.11},
        "difference": {"mean": -0.09, "se": 0.01},
        "privacy": {"passed": True, "reason": "no sign of memorisation"},
        "spread": {"passed": False, "reason": "the generated sequences are nearly flat"},
    }
    refused = decide(measured, active_version="v1", promote=False, margin=0.05)
    assert not refused.activate and refused.spread_passed is False
    assert "within" in refused.reason and "nearly flat" in refused.reason
    # The same numbers with a spread that passes: promoted.
    fine = decide(
        {**measured, "spread": {"passed": True, "reason": "moves"}}, active_version="v1", promote=False, margin=0.05
    )
    assert fine.activate and fine.spread_passed is True
    # promote still overrides the gate.
    assert decide(measured, active_version="v1", promote=True, margin=0.05).activate
