"""Real-vs-synthetic plots on encoded arrays. Each function returns PNG bytes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from chronogan.training.evaluation.figures import (
    REAL_COLOR,
    SYNTH_COLOR,
    grid,
    panels_note,
    shown_features,
    to_png,
)
from chronogan.training.evaluation.posthoc import STREAM_PLOTS
from chronogan.training.evaluation.sequences import Sequences, as_pair, feature_labels
from chronogan.training.evaluation.statistics import autocorrelation
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE


def pca_plot(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    max_samples: int = 1000,
    seed: int = 0,
) -> bytes:
    """TimeGAN's PCA view: PCA fitted on real, both sets projected. Overlapping clouds = similar data."""
    pr, ps = _embedding_inputs(real, synth, lengths_real, lengths_synth, max_samples, seed)
    pca = PCA(n_components=min(2, pr.shape[1]), random_state=seed).fit(pr)
    er, es = _two_d(pca.transform(pr)), _two_d(pca.transform(ps))
    return _scatter(er, es, title="PCA (fitted on real)", axis="PC")


def tsne_plot(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    max_samples: int = 1000,
    seed: int = 0,
) -> bytes:
    """TimeGAN's t-SNE view: one joint embedding (perplexity 40, 300 iterations, as the reference)."""
    pr, ps = _embedding_inputs(real, synth, lengths_real, lengths_synth, max_samples, seed)
    joint = np.concatenate([pr, ps])
    perplexity = float(min(40, max(2, (len(joint) - 1) // 3)))  # must stay below the sample count
    emb = TSNE(
        n_components=2,
        perplexity=perplexity,
        max_iter=300,
        init="pca",
        learning_rate="auto",
        random_state=seed,
    ).fit_transform(joint)
    return _scatter(emb[: len(pr)], emb[len(pr) :], title="t-SNE (joint)", axis="t-SNE ")


def marginal_histograms(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
    bins: int = 30,
) -> bytes:
    """Per-feature histogram of every valid step, real vs synthetic (densities, so set sizes may differ)."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    names = feature_labels(feature_names, r.n_features)
    rv, sv = r.valid_values(), s.valid_values()
    feats = shown_features(r.n_features)
    fig, axes = grid(len(feats))
    for ax, f in zip(axes, feats, strict=True):
        lo = min(0.0, float(rv[:, f].min()), float(sv[:, f].min()))
        hi = max(1.0, float(rv[:, f].max()), float(sv[:, f].max()))
        edges = np.linspace(lo, hi, bins + 1)
        ax.hist(rv[:, f], bins=edges, density=True, alpha=0.5, color=REAL_COLOR, label="real")
        ax.hist(sv[:, f], bins=edges, density=True, alpha=0.5, color=SYNTH_COLOR, label="synthetic")
        ax.set_title(names[f], fontsize=9)
    axes[0].legend(fontsize=8)
    fig.suptitle("Marginal distributions" + panels_note(r.n_features))
    return to_png(fig)


def sample_trajectories(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
    n_samples: int = 5,
    max_features: int = 6,
    seed: int = 0,
) -> bytes:
    """Random sequences side by side: one row per feature, real on the left, synthetic on the right."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    names = feature_labels(feature_names, r.n_features)
    rng = _rng(seed)
    picks = [(r, rng.choice(r.n, min(n_samples, r.n), replace=False), "real", REAL_COLOR)]
    picks.append((s, rng.choice(s.n, min(n_samples, s.n), replace=False), "synthetic", SYNTH_COLOR))
    feats = list(range(min(r.n_features, max_features)))
    fig, axes = grid(2 * len(feats), ncols=2, panel=(4.5, 1.9))
    for row, f in enumerate(feats):
        for col, (seqs, idx, label, color) in enumerate(picks):
            ax = axes[2 * row + col]
            for i in idx:
                ax.plot(np.arange(seqs.lengths[i]), seqs.x[i, : seqs.lengths[i], f], color=color, alpha=0.7, lw=1)
            ax.set_ylabel(names[f], fontsize=8)
            if row == 0:
                ax.set_title(label)
        axes[2 * row].sharey(axes[2 * row + 1])  # same scale left and right, or the comparison misleads
    note = f" (first {len(feats)} of {r.n_features} features)" if r.n_features > len(feats) else ""
    fig.suptitle("Sample sequences" + note)
    return to_png(fig)


def acf_plot(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
    max_lag: int = 10,
) -> bytes:
    """Autocorrelation per feature at lags 1..max_lag, real vs synthetic (same estimator as the metric)."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    names = feature_labels(feature_names, r.n_features)
    max_lag = max(1, min(max_lag, r.seq_len - 1))
    acf_r, acf_s = autocorrelation(r, max_lag), autocorrelation(s, max_lag)
    lags = np.arange(1, max_lag + 1)
    feats = shown_features(r.n_features)
    fig, axes = grid(len(feats))
    for ax, f in zip(axes, feats, strict=True):
        ax.axhline(0.0, color="0.7", lw=0.8)
        ax.plot(lags, acf_r[f], "o-", color=REAL_COLOR, ms=3, label="real")
        ax.plot(lags, acf_s[f], "s--", color=SYNTH_COLOR, ms=3, label="synthetic")
        ax.set_ylim(-1.05, 1.05)
        ax.set_title(names[f], fontsize=9)
        ax.set_xlabel("lag", fontsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle("Autocorrelation" + panels_note(r.n_features))
    return to_png(fig)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAM_PLOTS,)))


def _embedding_inputs(
    real: np.ndarray,
    synth: np.ndarray,
    lengths_real: np.ndarray | None,
    lengths_synth: np.ndarray | None,
    max_samples: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The TimeGAN visualisation's preprocessing: subsample, then average over features -> [n, T].

    (The reference averages each step's features, keeping the time axis; padding contributes zeros.)
    """
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    rng = _rng(seed)

    def prep(seqs: Sequences) -> np.ndarray:
        idx = rng.choice(seqs.n, min(max_samples, seqs.n), replace=False)
        return seqs.x[idx].mean(axis=2).astype(np.float64)

    return prep(r), prep(s)


def _two_d(points: np.ndarray) -> np.ndarray:
    # A one-step series has a single PCA component; plot it against zeros rather than fail.
    return points if points.shape[1] == 2 else np.column_stack([points[:, 0], np.zeros(len(points))])


def _scatter(er: np.ndarray, es: np.ndarray, *, title: str, axis: str) -> bytes:
    fig, (ax,) = grid(1, panel=(5.5, 4.5))
    ax.scatter(er[:, 0], er[:, 1], s=6, alpha=0.3, color=REAL_COLOR, label=f"real ({len(er)})")
    ax.scatter(es[:, 0], es[:, 1], s=6, alpha=0.3, color=SYNTH_COLOR, label=f"synthetic ({len(es)})")
    ax.set_title(title)
    ax.set_xlabel(f"{axis}1")
    ax.set_ylabel(f"{axis}2")
    ax.legend(markerscale=3)
    return to_png(fig)
