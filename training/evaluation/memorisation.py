"""Memorisation check: are synthetic sequences closer to the training data than new real data would be?

Distance to closest record (DCR): each synthetic sequence's nearest training sequence, compared with the
same distance for held-out real sequences. A generator that samples the distribution puts its output about
as far from the training set as fresh real data; one that memorises puts it much closer. Distances are the
Euclidean norm of the flattened [T * F] difference divided by sqrt(T * F), i.e. the RMS per-value gap on
the [0, 1] scale, so thresholds mean the same thing for any shape.

Without an explicit hold-out, the real set is split: 80% reference, 20% hold-out. Quantiles and the
"closer than the hold-out's 1st percentile" fraction compare both against the same reference; copies are
looked up against the whole real set, so a copy of a hold-out sequence is still caught.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from chronogan.training.evaluation.posthoc import STREAM_MEMORISATION
from chronogan.training.evaluation.sequences import EvaluationInputError, Sequences, as_sequences
from sklearn.neighbors import NearestNeighbors

QUANTILES = (0.0, 0.01, 0.05, 0.25, 0.5)
MAX_LISTED = 20


def memorisation(
    train: np.ndarray,
    synth: np.ndarray,
    *,
    holdout: np.ndarray | None = None,
    lengths_train: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    lengths_holdout: np.ndarray | None = None,
    holdout_fraction: float = 0.2,
    exact_tol: float = 1e-6,
    near_tol: float = 1e-3,
    max_queries: int = 10000,
    seed: int = 0,
) -> dict[str, Any]:
    """Nearest-training-sequence distances of synthetic vs held-out real sequences, and copy flags.

    `exact_tol`/`near_tol` are RMS per-value distances: 1e-3 on a [0, 1] scale is invisible on a plot, so
    anything that close is a copy for practical purposes. At most `max_queries` synthetic sequences (a
    seeded random subset) are checked, to bound the cost of the neighbour search.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAM_MEMORISATION,)))
    tr = as_sequences(train, lengths_train, name="training")
    sy = as_sequences(synth, lengths_synth, name="synthetic")
    _same_shape(tr, sy, "synthetic")
    if holdout is None:
        if tr.n < 5:
            raise EvaluationInputError("the memorisation check needs at least 5 real sequences to hold some out")
        idx = rng.permutation(tr.n)
        cut = max(1, int(round(tr.n * holdout_fraction)))
        ho, ref = tr.subset(idx[:cut]), tr.subset(idx[cut:])
    else:
        ho = as_sequences(holdout, lengths_holdout, name="hold-out")
        _same_shape(tr, ho, "hold-out")
        ref = tr
    queried = rng.choice(sy.n, size=max_queries, replace=False) if sy.n > max_queries else np.arange(sy.n)
    sy_q = _flat(sy.subset(queried))

    ref_index = NearestNeighbors(n_neighbors=1).fit(_flat(ref))
    d_hold = _nearest(ref_index, _flat(ho))[0]
    d_synth, match_ref = _nearest(ref_index, sy_q)
    if ref is tr:
        d_copy, match = d_synth, match_ref
    else:  # copies are looked up in the whole real set, hold-out included
        d_copy, match = _nearest(NearestNeighbors(n_neighbors=1).fit(_flat(tr)), sy_q)

    p1 = float(np.quantile(d_hold, 0.01))
    exact = d_copy <= exact_tol
    near = d_copy <= near_tol
    flagged = np.flatnonzero(near)[:MAX_LISTED]
    fraction_closer = float((d_synth < p1).mean())
    return {
        "distance": "rms per value of the flattened [steps x features] sequence",
        "n_training": tr.n,
        "n_reference": ref.n,
        "n_holdout": ho.n,
        "holdout_given": holdout is not None,
        "n_synthetic_checked": int(len(queried)),
        "synthetic_quantiles": _quantiles(d_synth),
        "holdout_quantiles": _quantiles(d_hold),
        "holdout_p1": p1,
        # Fresh real data lands below the hold-out's own 1st percentile ~1% of the time by construction.
        "fraction_closer_than_holdout_p1": fraction_closer,
        "expected_fraction": 0.01,
        "n_exact_copies": int(exact.sum()),
        "n_near_copies": int(near.sum()),
        "holdout_near_copies": int((d_hold <= near_tol).sum()),  # duplicates the real data has by itself
        "exact_tol": exact_tol,
        "near_tol": near_tol,
        "flagged": [
            {
                "synthetic_index": int(queried[i]),
                "training_index": int(match[i]),
                "distance": float(d_copy[i]),
            }
            for i in flagged
        ],
        "verdict": _verdict(int(near.sum()), fraction_closer),
    }


def _verdict(n_near: int, fraction_closer: float) -> str:
    if n_near:
        return "copies"
    # 5x the 1% expected from fresh data: a clear excess, not sampling noise on a few hundred sequences.
    return "suspicious" if fraction_closer > 0.05 else "ok"


def _same_shape(a: Sequences, b: Sequences, name: str) -> None:
    if a.x.shape[1:] != b.x.shape[1:]:
        raise EvaluationInputError(f"{name} sequences have shape {b.x.shape[1:]}, training {a.x.shape[1:]}")


def _flat(seqs: Sequences) -> np.ndarray:
    # Padding is already zero (see `as_sequences`), so equal sequences of equal length flatten equally.
    return seqs.x.reshape(seqs.n, -1).astype(np.float64) / np.sqrt(seqs.seq_len * seqs.n_features)


def _nearest(index: NearestNeighbors, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dist, idx = index.kneighbors(queries, n_neighbors=1)
    return dist[:, 0], idx[:, 0]


def _quantiles(d: np.ndarray) -> dict[str, float]:
    return {f"q{round(q * 100):02d}": float(np.quantile(d, q)) for q in QUANTILES}
