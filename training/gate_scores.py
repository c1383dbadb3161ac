"""The measurements the retrain quality gate decides on, all taken on the same held-out validation data.

- candidate and active version: discriminative score of each one's samples against the validation
  sequences, with the *same* classifier seeds in every repeat, so the per-repeat differences are paired
  and their standard error is known;
- floor: the same classifier on real vs real (training part vs validation part): what "indistinguishable"
  scores on this data, at this sample size;
- privacy: distance to closest record against the training part, relative to the validation part;
- spread: the candidate's within-sequence spread against the validation data's (a collapse check: a weak
  classifier misses a generator that sits still in the middle of the data, see `evaluation/spread.py`).

Every table is encoded with the candidate's schema (one scaling for all), unless the active version
generates other columns; then its own schema encodes its samples and the validation data for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from chronogan.training.data.encoded import EncodedData
from chronogan.training.evaluation.discriminative import discriminative_floor, discriminative_score
from chronogan.training.evaluation.privacy import PrivacyLimits, privacy_check
from chronogan.training.evaluation.spread import spread_check
from chronogan.training.quality import EVAL_THREADS, QUICK_MAX_SEQUENCES, encode_real, encode_synthetic
from chronogan.training.trainer.threads import torch_threads

from chronogan.artifacts.schema import TableSchema

PRIVACY_SAMPLES = 200
Sampler = Callable[[int, int], pd.DataFrame]  # (n sequences, seed) -> generated long table


@dataclass(frozen=True)
class GateProtocol:
    steps: int = 500
    repeats: int = 5
    seed: int = 0
    max_sequences: int = QUICK_MAX_SEQUENCES


def gate_measurements(
    *,
    schema: TableSchema,
    candidate: Sampler,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    active: Sampler | None = None,
    active_schema: TableSchema | None = None,
    protocol: GateProtocol | None = None,
    privacy_limits: PrivacyLimits | None = None,
) -> dict[str, Any]:
    proto = protocol or GateProtocol()
    val = encode_real(validation, schema)
    tr = encode_real(train, schema)
    n = min(val.n_sequences, proto.max_sequences)
    cand = encode_synthetic(candidate(n, proto.seed), schema)
    with torch_threads(EVAL_THREADS):
        cand_values = _scores(val, cand, proto)
        # The same real-vs-real floor `chronogan evaluate` reports: validation against as many training sequences.
        floor_values = list(
            discriminative_floor(
                val.x,
                lengths_real=val.lengths,
                reference=tr.x,
                lengths_reference=tr.lengths,
                n_synth=n,
                steps=proto.steps,
                repeats=proto.repeats,
                seed=proto.seed,
            ).values
        )
        out: dict[str, Any] = {
            "validation_sequences": val.n_sequences,
            "synthetic_sequences": cand.n_sequences,
            "steps": proto.steps,
            "repeats": proto.repeats,
            "seed": proto.seed,
            "candidate": _summary(cand_values),
            "floor": _summary(floor_values),
            "spread": spread_check(val, cand),
        }
        if active is not None:
            out["active"], out["difference"], out["active_encoding"] = _active_scores(
                active, active_schema or schema, schema, validation, val, n, cand_values, proto
            )
    # The privacy check needs more samples than a small validation set gives the classifier.
    many = (
        cand
        if cand.n_sequences >= PRIVACY_SAMPLES
        else encode_synthetic(candidate(PRIVACY_SAMPLES, proto.seed + 1), schema)
    )
    out["privacy"] = privacy_check(
        tr.x,
        many.x,
        val.x,
        lengths_train=tr.lengths,
        lengths_synth=many.lengths,
        lengths_validation=val.lengths,
        limits=privacy_limits,
        seed=proto.seed,
    )
    return out


def _active_scores(
    active: Sampler,
    active_schema: TableSchema,
    schema: TableSchema,
    validation: pd.DataFrame,
    val: EncodedData,
    n: int,
    cand_values: list[float],
    proto: GateProtocol,
) -> tuple[dict[str, Any], dict[str, Any], str]:
    table = active(n, proto.seed)
    encoding = "candidate schema"
    try:
        synth = encode_synthetic(table, schema)
        real = val
    except (KeyError, ValueError):  # the active version generates other columns than the candidate
        synth, real, encoding = encode_synthetic(table, active_schema), encode_real(validation, active_schema), "own"
    values = _scores(real, synth, proto)
    diff = np.asarray(cand_values) - np.asarray(values)
    se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else float("inf")
    return _summary(values), {"mean": float(diff.mean()), "se": se, "values": diff.tolist()}, encoding


def _scores(real: EncodedData, synth: EncodedData, proto: GateProtocol) -> list[float]:
    result = discriminative_score(
        real.x,
        synth.x,
        lengths_real=real.lengths,
        lengths_synth=synth.lengths,
        steps=proto.steps,
        repeats=proto.repeats,
        seed=proto.seed,  # the same seed for every side: each repeat's classifier starts alike
    )
    return list(result.values)


def _summary(values: list[float]) -> dict[str, Any]:
    arr = np.asarray(values, dtype=np.float64)
    return {"mean": float(arr.mean()), "std": float(arr.std()), "values": arr.tolist()}
