"""Context values of generated entities come from the observed joint rows (what the README promises)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from chronogan.training.data.infer import prepare_table
from chronogan.training.data.options import SchemaOptions

from chronogan.artifacts.conditions import sample_contexts


def _entities(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        region = ["north", "south"][i % 2]
        # capacity depends on the region: the pair (south, 5.0) never occurs
        capacity = float(rng.choice([5.0, 7.5]) if region == "north" else rng.choice([10.0, 15.0]))
        size = float(rng.uniform(0, 1000))  # continuous: every entity has its own value
        for _ in range(5):
            rows.append({"id": i, "region": region, "capacity": capacity, "size": size, "v": rng.normal()})
    return pd.DataFrame(rows)


def _schema(df: pd.DataFrame):
    return prepare_table(df, SchemaOptions(sequence_key="id", context=["region", "capacity", "size"])).schema


def test_sampled_contexts_are_observed_rows_with_observed_frequencies() -> None:
    df = _entities()
    schema = _schema(df)
    out = sample_contexts(schema, 4000, np.random.default_rng(1), {})
    pairs = set(zip(out["region"], out["capacity"], strict=True))
    observed = set(df.groupby("id").first()[["region", "capacity"]].itertuples(index=False, name=None))
    assert pairs <= observed and len(pairs) == len(observed)  # only observed pairs, and all of them
    assert set(np.unique(out["capacity"])) == {5.0, 7.5, 10.0, 15.0}
    share = np.mean(out["region"] == "north")
    assert abs(share - 0.5) < 0.04


def test_continuous_context_values_are_not_stored_exactly() -> None:
    df = _entities()
    schema = _schema(df)
    sizes = set(df["size"].round(9))
    stored = {round(r.values[2], 9) for r in schema.context_rows}
    grid = {round(q, 9) for q in schema.column("size").quantiles or []}
    assert stored <= grid  # snapped to the 21-point quantile grid ...
    assert len(stored & sizes) <= 2  # ... so at most the extremes (quantiles 0 and 1) are real values


def test_fixed_values_restrict_the_rows_and_unseen_numbers_take_the_nearest_rows() -> None:
    schema = _schema(_entities())
    south = sample_contexts(schema, 500, np.random.default_rng(2), {"region": "south"})
    assert set(south["region"]) == {"south"} and set(south["capacity"]) <= {10.0, 15.0}
    near = sample_contexts(schema, 500, np.random.default_rng(2), {"capacity": 14.0})
    assert set(near["capacity"]) == {14.0} and set(near["region"]) == {"south"}  # 15.0 is nearest: south rows


def test_artifacts_without_context_rows_still_sample() -> None:
    schema = _schema(_entities()).model_copy(update={"context_rows": []})
    out = sample_contexts(schema, 50, np.random.default_rng(0), {})
    assert len(out["capacity"]) == 50 and set(out["region"]) <= {"north", "south"}
