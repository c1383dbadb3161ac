"""Privacy check against data the model never saw: distance to closest record (DCR), as SDMetrics'
`DCROverfittingProtection` and synthcity's DCR metrics report it.

For every synthetic sequence: its distance to the nearest *training* sequence and to the nearest
*validation* sequence (real data held out before training). A generator that samples the distribution is
as close to one real set as to the other: the share of its sequences closer to a training record than to
any validation one is what the set sizes give (half, for sets of equal size), and its median distance to
the training set is about that of the validation sequences themselves (ratio ~1). A generator that
memorises lands next to training records: the share goes towards 1, the ratio towards 0, and exact or
near-exact copies appear.

Distances are those of `memorisation.py`: RMS per value of the flattened [steps x features] difference on
the [0, 1] scale, so the tolerances mean the same for any shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from chronogan.training.evaluation.memorisation import _flat, _nearest, _same_shape
from chronogan.training.evaluation.posthoc import STREAM_MEMORISATION
from chronogan.training.evaluation.sequences import EvaluationInputError, as_sequences
from sklearn.neighbors import NearestNeighbors


@dataclass(frozen=True)
class PrivacyLimits:
    """When the check fails. A fresh sample of the distribution has a share near 0.5 and no copies beyond
    the duplicates the real data has by itself (measured on the validation sequences)."""

    max_share_closer_to_training: float = 0.8
    min_dcr_ratio: float = 0.2
    # Near copies allowed beyond the validation set's own rate (as a fraction of synthetic sequences).
    max_excess_copy_share: float = 0.01
    exact_tol: float = 1e-6
    near_tol: float = 1e-3


def privacy_check(
    train: np.ndarray,
    synth: np.ndarray,
    validation: np.ndarray,
    *,
    lengths_train: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    lengths_validation: np.ndarray | None = None,
    limits: PrivacyLimits | None = None,
    max_queries: int = 5000,
    seed: int = 0,
) -> dict[str, Any]:
    """DCR of synthetic vs validation sequences to the training set, the closer-to-training share, copy
    counts and a pass/fail verdict with its reason (JSON-able)."""
    limits = limits or PrivacyLimits()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAM_MEMORISATION, 1)))  # query subset
    tr = as_sequences(train, lengths_train, name="training")
    sy = as_sequences(synth, lengths_synth, name="synthetic")
    va = as_sequences(validation, lengths_validation, name="validation")
    _same_shape(tr, sy, "synthetic")
    _same_shape(tr, va, "validation")
    if min(tr.n, sy.n, va.n) < 2:
        raise EvaluationInputError("the privacy check needs at least 2 training, synthetic and validation sequences")
    queried = rng.choice(sy.n, size=max_queries, replace=False) if sy.n > max_queries else np.arange(sy.n)
    sy_q = _flat(sy.subset(queried))

    train_index = NearestNeighbors(n_neighbors=1).fit(_flat(tr))
    d_synth_train, match = _nearest(train_index, sy_q)
    d_val_train = _nearest(train_index, _flat(va))[0]
    # Against the whole training set (a subsample would miss copies of the records left out). A sample of
    # the distribution is closer to a training record than to any validation one with a probability of
    # about n_train / (n_train + n_validation) (0.5 for sets of equal size): that is the baseline.
    d_to_va = _nearest(NearestNeighbors(n_neighbors=1).fit(_flat(va)), sy_q)[0]
    # Ties (both zero, e.g. constant sequences present in both sets) say nothing about memorising.
    share = float(np.mean(np.where(d_synth_train == d_to_va, 0.5, d_synth_train < d_to_va)))
    baseline = tr.n / (tr.n + va.n)
    # The limit is stated for equal sizes (baseline 0.5); the same relative excess for any baseline.
    share_limit = baseline + (1 - baseline) * (limits.max_share_closer_to_training - 0.5) / 0.5

    med_synth, med_val = float(np.median(d_synth_train)), float(np.median(d_val_train))
    ratio = med_synth / med_val if med_val > 0 else (1.0 if med_synth == 0 else float("inf"))
    exact = int((d_synth_train <= limits.exact_tol).sum())
    near = int((d_synth_train <= limits.near_tol).sum())
    val_near_share = float(np.mean(d_val_train <= limits.near_tol))
    excess = near / len(queried) - val_near_share

    reasons = []
    if excess > limits.max_excess_copy_share:
        reasons.append(
            f"{near} of {len(queried)} synthetic sequences are near-exact copies of training sequences "
            f"({exact} exact), against {val_near_share:.1%} for unseen real data"
        )
    # Both signs together: most samples on the training side *and* far closer to it than unseen data is.
    # Either alone is not memorising: a collapsed generator (every sample alike, far from all real data)
    # lands on one side for every sample, and a validation stretch that drifted away from the training
    # period (a trending series) is farther from it than any faithful sample. The share must also clear
    # its limit by more than two binomial standard errors, so a few samples cannot fail a model by chance.
    noise = 2 * float(np.sqrt(share_limit * (1 - share_limit) / len(queried)))
    if share > share_limit + noise and ratio < limits.min_dcr_ratio:
        reasons.append(
            f"{share:.0%} of synthetic sequences are closer to a training record than to any validation one "
            f"(an unseen sample of the same data would give ~{baseline:.0%}; the limit is {share_limit:.0%}), "
            f"and their median distance to the closest training record is {ratio:.2f}x that of unseen real "
            f"data (the limit is {limits.min_dcr_ratio}x)"
        )
    return {
        "distance": "rms per value of the flattened [steps x features] sequence, [0, 1] scale",
        "n_training": tr.n,
        "n_validation": va.n,
        "n_synthetic_checked": int(len(queried)),
        "dcr_synthetic_median": med_synth,
        "dcr_validation_median": med_val,
        "dcr_ratio": ratio,
        "share_closer_to_training": share,
        "share_expected": baseline,
        "share_limit": share_limit,
        "n_exact_copies": exact,
        "n_near_copies": near,
        "validation_near_copy_share": val_near_share,
        "closest": [
            {"synthetic_index": int(queried[i]), "training_index": int(match[i]), "distance": float(d_synth_train[i])}
            for i in np.argsort(d_synth_train)[:5]
        ],
        "limits": {
            "max_share_closer_to_training": limits.max_share_closer_to_training,
            "min_dcr_ratio": limits.min_dcr_ratio,
            "max_excess_copy_share": limits.max_excess_copy_share,
            "exact_tol": limits.exact_tol,
            "near_tol": limits.near_tol,
        },
        "passed": not reasons,
        "reason": "; ".join(reasons) if reasons else "no sign of memorisation against unseen validation data",
    }
