"""Distribution statistics on encoded arrays: marginals, autocorrelation, cross-correlation, lengths.

All of them look at valid steps only (padding is not data). Values are the encoded [0, 1] features, so
Wasserstein-1 distances are on a 0..1 scale too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from chronogan.training.evaluation.sequences import Sequences, as_pair, feature_labels
from scipy.stats import wasserstein_distance


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (sup |CDF_a - CDF_b|).

    Computed directly rather than via `scipy.stats.ks_2samp`, whose exact p-value (which we do not report)
    gets slow on the ~10^5 values a data set has per feature.
    """
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.abs(cdf_a - cdf_b).max())


def marginal_distances(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Per feature: Wasserstein-1 and KS between the real and synthetic values at all valid steps."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    names = feature_labels(feature_names, r.n_features)
    rv, sv = r.valid_values(), s.valid_values()
    rows = [
        {
            "feature": names[f],
            "wasserstein": float(wasserstein_distance(rv[:, f], sv[:, f])),
            "ks": ks_statistic(rv[:, f], sv[:, f]),
            "real_mean": float(rv[:, f].mean()),
            "synth_mean": float(sv[:, f].mean()),
        }
        for f in range(r.n_features)
    ]
    return {
        "per_feature": rows,
        "mean_wasserstein": float(np.mean([row["wasserstein"] for row in rows])),
        "mean_ks": float(np.mean([row["ks"] for row in rows])),
        "max_ks": float(np.max([row["ks"] for row in rows])),
    }


def autocorrelation(seqs: Sequences, max_lag: int) -> np.ndarray:
    """float64 [F, max_lag]: ACF at lags 1..max_lag per feature, pooled over sequences.

    Demeaned and scaled by each feature's mean and variance over all valid steps (the "ACF score" form of
    Ni et al. 2020), not per sequence: per-sequence ACFs are undefined for the many constant windows that
    one-hot and indicator channels produce. Only pairs whose later step is valid count. NaN where a feature
    is constant or no pair that far apart exists.
    """
    mask = seqs.mask()
    x = seqs.x.astype(np.float64)
    n_valid = mask.sum()
    mean = x.sum(axis=(0, 1)) / n_valid  # padding is zero, so plain sums are sums over valid steps
    xc = (x - mean) * mask[..., None]
    var = (xc**2).sum(axis=(0, 1)) / n_valid
    out = np.full((seqs.n_features, max_lag), np.nan)
    for lag in range(1, max_lag + 1):
        n_pairs = mask[:, lag:].sum()  # step t + lag valid implies step t valid
        if n_pairs == 0:
            break
        cov = (xc[:, :-lag] * xc[:, lag:]).sum(axis=(0, 1)) / n_pairs
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, lag - 1] = np.where(var > 0, cov / var, np.nan)
    return out


def autocorrelation_difference(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
    max_lag: int = 10,
) -> dict[str, Any]:
    """ACF curves real vs synthetic per feature and their mean absolute difference over lags 1..max_lag."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    max_lag = max(1, min(max_lag, r.seq_len - 1))
    names = feature_labels(feature_names, r.n_features)
    acf_r, acf_s = autocorrelation(r, max_lag), autocorrelation(s, max_lag)
    diff = np.abs(acf_r - acf_s)
    rows = [
        {
            "feature": names[f],
            "mean_abs_diff": _nanmean(diff[f]),
            "real": acf_r[f].tolist(),
            "synth": acf_s[f].tolist(),
        }
        for f in range(r.n_features)
    ]
    # NaN (undefined) entries, e.g. a feature constant in one set, are left out of the average, not zeroed.
    return {"max_lag": max_lag, "per_feature": rows, "mean_abs_diff": _nanmean(diff)}


def correlation_matrix(seqs: Sequences) -> np.ndarray:
    """float64 [F, F] Pearson correlations over all valid steps; 0 off the diagonal for constant features
    (undefined, and "no linear relation" is the neutral value for a difference)."""
    corr = lagged_correlation_matrix(seqs, 0)
    np.fill_diagonal(corr, 1.0)
    return corr


def cross_correlation_difference(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
    top: int = 5,
) -> dict[str, Any]:
    """How far the feature-feature correlation matrices are apart, plus the worst pairs by name."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    names = feature_labels(feature_names, r.n_features)
    cr, cs = correlation_matrix(r), correlation_matrix(s)
    iu = np.triu_indices(r.n_features, k=1)
    if len(iu[0]) == 0:
        return {"sum_abs_diff": 0.0, "mean_abs_diff": None, "max_abs_diff": None, "frobenius": 0.0, "worst_pairs": []}
    diff = np.abs(cr - cs)[iu]
    order = np.argsort(-diff)[:top]
    worst = [
        {
            "a": names[iu[0][k]],
            "b": names[iu[1][k]],
            "real": float(cr[iu][k]),
            "synth": float(cs[iu][k]),
            "abs_diff": float(diff[k]),
        }
        for k in order
    ]
    return {
        "sum_abs_diff": float(diff.sum()),  # over distinct pairs: channels that should be independent add up
        "mean_abs_diff": float(diff.mean()),  # over distinct pairs: the diagonal is 1 in both by definition
        "max_abs_diff": float(diff.max()),
        "frobenius": float(np.linalg.norm(cr - cs)),
        "worst_pairs": worst,
    }


def lagged_correlation_matrix(seqs: Sequences, lag: int) -> np.ndarray:
    """float64 [F, F]: corr(x_i at t, x_j at t + lag) over every pair of valid steps `lag` apart within a
    sequence (pooled over sequences). Entry (i, j) with i != j is a lead-lag relation between channels;
    0 where a feature is constant (undefined, and "no linear relation" is the neutral value)."""
    t = seqs.seq_len - lag
    if t < 1:
        return np.full((seqs.n_features, seqs.n_features), np.nan)
    both = np.arange(t)[None, :] < (seqs.lengths - lag)[:, None]  # step t and t + lag both valid
    a = seqs.x[:, :t][both].astype(np.float64)
    b = seqs.x[:, lag:][both].astype(np.float64)
    if len(a) == 0:
        return np.full((seqs.n_features, seqs.n_features), np.nan)
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    sa, sb = np.sqrt((a**2).mean(axis=0)), np.sqrt((b**2).mean(axis=0))
    corr = (a.T @ b / len(a)) / np.outer(np.where(sa > 0, sa, 1.0), np.where(sb > 0, sb, 1.0))
    corr[(sa == 0)[:, None] | (sb == 0)[None, :]] = 0.0
    return np.clip(corr, -1.0, 1.0)


def lagged_cross_correlation_difference(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    lags: Sequence[int] = (1, 2, 5),
) -> dict[str, Any]:
    """sum over ordered channel pairs i != j of |corr_real(x_i(t), x_j(t+lag)) - corr_synth(...)|, per lag.

    The plain correlation matrix misses relations that act with a delay (one channel leading another);
    a generator that lets channels drift in lock-step, or with no relation at all, shows up here."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    off = ~np.eye(r.n_features, dtype=bool)
    out: dict[str, Any] = {}
    for lag in lags:
        if lag >= r.seq_len or not off.any():
            continue
        diff = np.abs(lagged_correlation_matrix(r, lag) - lagged_correlation_matrix(s, lag))[off]
        out[str(lag)] = {"sum_abs_diff": float(np.nansum(diff)), "max_abs_diff": _nanmax(diff)}
    return {"lags": out}


def _nanmax(values: np.ndarray) -> float | None:
    return None if np.isnan(values).all() else float(np.nanmax(values))


def length_distance(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
) -> dict[str, Any]:
    """Sequence-length distributions: Wasserstein-1 in steps and as a fraction of T, KS, summary stats."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    lr, ls = r.lengths.astype(np.float64), s.lengths.astype(np.float64)
    w1 = float(wasserstein_distance(lr, ls))
    return {
        "variable_length": r.variable_length or s.variable_length,
        "max_len": r.seq_len,
        "wasserstein_steps": w1,
        "wasserstein_fraction": w1 / r.seq_len,
        "ks": ks_statistic(lr, ls),
        "real_mean": float(lr.mean()),
        "synth_mean": float(ls.mean()),
        "real_std": float(lr.std()),
        "synth_std": float(ls.std()),
    }


def _nanmean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")
