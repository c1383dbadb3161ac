"""Glue between a model and the evaluation metrics: real vs synthetic tensors in one encoding.

Both sides are encoded with the model's own schema (same scaling, categories and layout), so the
post-hoc classifiers compare like with like.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from chronogan.training.data.encode import encode_generated, encode_prepared
from chronogan.training.data.encoded import EncodedData
from chronogan.training.data.infer import prepare_like
from chronogan.training.data.io import read_table
from chronogan.training.data.layout import FeatureLayout
from chronogan.training.trainer.calibration import calibrate_missing_thresholds
from chronogan.training.trainer.threads import torch_threads
from torch import nn

from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.schema import TableSchema

QUICK_STEPS = 500
QUICK_REPEATS = 2
QUICK_MAX_SEQUENCES = 2000
# Snapshot selection during training (`select_snapshots`): a shorter score, since it is paid for several
# times out of the training budget; two repeats so that one unlucky classifier split does not decide.
SELECT_STEPS = 300
SELECT_REPEATS = 2
SELECT_MAX_SEQUENCES = 1000
# The post-hoc GRUs have 1-3 units: extra threads only add synchronisation (and collapse under load).
EVAL_THREADS = 1


def encode_real(data: pd.DataFrame | Path, schema: TableSchema) -> EncodedData:
    """Real data encoded with a trained model's schema (its scaling, not the data's own)."""
    df = read_table(data) if isinstance(data, str | Path) else data
    return encode_prepared(prepare_like(df, schema))


def synthetic_table(path: Path, schema: TableSchema) -> pd.DataFrame:
    """A synthetic file in the generated long layout (what `chronogan generate` writes), checked against
    `schema`: every column the model generates must be there."""
    df = read_table(path)
    needed = [schema.id_column, *(c.name for c in schema.columns)]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise UserInputError(
            f"{Path(path).name}: missing column(s) {', '.join(repr(c) for c in missing)}; a synthetic file needs "
            f"the columns `chronogan generate` writes for this model: {', '.join(repr(c) for c in needed)}"
        )
    return df


def encode_synthetic(table: pd.DataFrame, schema: TableSchema) -> EncodedData:
    return encode_generated(table, schema, max_len=schema.lengths.max_len)


def snapshot_scorer(
    encoded: EncodedData,
    schema: TableSchema,
    sample: Callable[[nn.Module, TableSchema, int], pd.DataFrame],
    *,
    seed: int,
) -> Callable[[nn.Module], float]:
    """The score training selects its generator by: a short discriminative score of a snapshot's decoded
    samples (`sample(networks, schema, n)`, decoded as the service decodes them, so a cue in the output
    counts) against up to `SELECT_MAX_SEQUENCES` of the *training* sequences. Every snapshot is scored
    against the same real sequences with the same seeds, so differences between snapshots are not
    differences in the classifier's luck."""
    n = min(encoded.n_sequences, SELECT_MAX_SEQUENCES)
    index = np.sort(np.random.default_rng(seed).choice(encoded.n_sequences, n, replace=False))
    real_x, real_lengths = encoded.x[index], encoded.lengths[index]

    def score(networks: nn.Module) -> float:
        candidate = copy.deepcopy(schema)  # calibration writes missing-value thresholds into the schema
        calibrate_missing_thresholds(networks, encoded, candidate, seed=seed)
        synth = encode_synthetic(sample(networks, candidate, n), candidate)
        return _short_score(real_x, real_lengths, synth, SELECT_STEPS, SELECT_REPEATS, seed).mean

    return score


def _short_score(
    real_x: np.ndarray, real_lengths: np.ndarray, synth: EncodedData, steps: int, repeats: int, seed: int
) -> Any:
    """The discriminative score with a short classifier budget, on the evaluation's thread count."""
    from chronogan.training.evaluation.discriminative import discriminative_score

    with torch_threads(EVAL_THREADS):
        return discriminative_score(
            real_x,
            synth.x,
            lengths_real=real_lengths,
            lengths_synth=synth.lengths,
            steps=steps,
            repeats=repeats,
            seed=seed,
        )


def quick_score(model: Any, data: pd.DataFrame | Path, *, seed: int = 0) -> Any:
    """The quick protocol's discriminative score of the model's samples (drawn with `seed`) against `data`,
    the classifiers seeded with `seed` too."""
    real = encode_real(data, model.schema)
    n = min(real.n_sequences, QUICK_MAX_SEQUENCES)
    synth = encode_synthetic(model.sample(n, seed=seed), model.schema)
    return _short_score(real.x, real.lengths, synth, QUICK_STEPS, QUICK_REPEATS, seed)


def quick_discriminative(model: Any, data: pd.DataFrame | Path) -> dict[str, Any]:
    """A short discriminative score (fewer classifier steps than the paper's protocol) of the model's own
    samples against `data`, for the manifest and the retrain quality gate."""
    result = quick_score(model, data)
    # Every run's value and the standard error travel with the mean: two classifier runs disagree by up to
    # ~0.1 on one model, and `chronogan train` prints the score with its ±.
    return {"discriminative": {**result.to_dict(), "steps": QUICK_STEPS, "protocol": "quick"}}


def real_table_for(data: pd.DataFrame | Path, schema: TableSchema) -> pd.DataFrame:
    """The real data as a table in the generated layout's column names (for category/missingness checks)."""
    df = read_table(data) if isinstance(data, str | Path) else data
    return df[[c for c in schema.column_order if c in df.columns]]


def feature_names(layout: FeatureLayout, schema: TableSchema) -> list[str]:
    """One readable name per encoded channel: `col`, `col[missing]`, `col=label` for one-hot channels."""
    names: list[str] = []
    for block in layout.blocks:
        if block.kind == "categorical":
            names.extend(f"{block.column}={label}" for label in schema.column(block.column).categories or [])
        else:
            names.append(f"{block.column}[missing]" if block.kind == "missing" else block.column)
    return names
