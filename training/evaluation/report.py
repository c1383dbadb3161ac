"""One call for everything: the metrics dict (`evaluate`), the plots (`make_plots`), or both plus the HTML
page (`build_report`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from chronogan.training.evaluation.discriminative import discriminative_floor, discriminative_score
from chronogan.training.evaluation.history import history_summary
from chronogan.training.evaluation.html_report import render_html
from chronogan.training.evaluation.memorisation import memorisation
from chronogan.training.evaluation.plots import acf_plot, marginal_histograms, pca_plot, sample_trajectories, tsne_plot
from chronogan.training.evaluation.predictive import predictive_score, predictive_train_on_real
from chronogan.training.evaluation.privacy import privacy_check
from chronogan.training.evaluation.results import jsonable
from chronogan.training.evaluation.sequences import as_pair, feature_labels
from chronogan.training.evaluation.statistics import (
    autocorrelation_difference,
    cross_correlation_difference,
    length_distance,
    marginal_distances,
)
from chronogan.training.evaluation.tabular import category_frequencies, missingness
from chronogan.training.evaluation.training_plots import loss_curves


@dataclass(frozen=True)
class Protocol:
    """Step and repeat budgets. `FULL` is the TimeGAN paper protocol; `QUICK` is a smoke-level check for
    tests and the service's quality gate: fewer steps under-train the post-hoc networks, so its
    discriminative scores read optimistic and its predictive scores pessimistic relative to `FULL`."""

    disc_steps: int = 2000
    disc_repeats: int = 5
    pred_steps: int = 5000
    pred_repeats: int = 5
    embed_samples: int = 1000  # per set, for PCA / t-SNE
    quick: bool = False


FULL = Protocol()
QUICK = Protocol(disc_steps=500, disc_repeats=2, pred_steps=1000, pred_repeats=2, embed_samples=300, quick=True)


def evaluate(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    feature_names: Sequence[str],
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    history: Sequence[Mapping[str, Any]] | None = None,
    equilibrium: float | str | None = None,
    quick: bool = False,
    seed: int = 0,
    holdout: np.ndarray | None = None,
    lengths_holdout: np.ndarray | None = None,
    real_table: pd.DataFrame | None = None,
    synth_table: pd.DataFrame | None = None,
    categorical_columns: Sequence[str] = (),
    missing_columns: Sequence[str] | None = None,
    max_lag: int = 10,
    protocol: Protocol | None = None,
) -> dict[str, Any]:
    """All metrics as a JSON-able dict (NaN -> None). `real` should be the data the model was trained on
    (the memorisation check measures closeness to it); pass a real `holdout` the model never saw if there is
    one, otherwise 20% of `real` stands in. `real_table`/`synth_table` are decoded long-layout tables for the
    category-frequency and missingness checks; both are skipped when the tables are not given.

    With a `holdout`, the discriminative and predictive scores compare the synthetic data with it (data the
    model never saw), and `disc_floor` is the holdout against as many training sequences; without one they
    compare with `real` and the floor is two halves of `real`. `disc_against` says which."""
    proto = protocol or (QUICK if quick else FULL)
    r, s = as_pair(real, synth, lengths_real, lengths_synth)  # fail fast, before minutes of training
    names = feature_labels(feature_names, r.n_features)
    lens = {"lengths_real": lengths_real, "lengths_synth": lengths_synth}
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    out: dict[str, Any] = {
        "protocol": {**asdict(proto), "seed": seed, "reference": "TimeGAN (Yoon et al., NeurIPS 2019)"},
        "data": {
            "n_real": r.n,
            "n_synth": s.n,
            "seq_len": r.seq_len,
            "n_features": r.n_features,
            "feature_names": names,
            "variable_length": r.variable_length or s.variable_length,
        },
    }
    # The scores' real side: data the model never saw when there is some.
    target, lengths_target = (real, lengths_real) if holdout is None else (holdout, lengths_holdout)
    scored = {"lengths_real": lengths_target, "lengths_synth": lengths_synth}
    disc_args = {"steps": proto.disc_steps, "repeats": proto.disc_repeats, "seed": seed}
    out["disc_against"] = "training data" if holdout is None else "held-out data"
    with clock("disc_s"):
        out["disc"] = discriminative_score(target, synth, **scored, **disc_args).to_dict()
    with clock("disc_floor_s"):
        out["disc_floor"] = _floor_or_none(
            target, lengths_target, None if holdout is None else real, None if holdout is None else lengths_real,
            s.n, disc_args,
        )  # fmt: skip
    if r.n_features >= 2 and r.seq_len >= 2:
        pred_args = {"steps": proto.pred_steps, "repeats": proto.pred_repeats, "seed": seed}
        with clock("pred_s"):
            out["pred"] = predictive_score(target, synth, **scored, **pred_args).to_dict()
        with clock("pred_train_on_real_s"):
            out["predictive_train_on_real"] = predictive_train_on_real(
                target, lengths_real=lengths_target, **pred_args
            ).to_dict()
    else:
        out["pred"] = out["predictive_train_on_real"] = None
        out["pred_skipped"] = "the predictive score needs at least 2 features and 2 steps"
    with clock("stats_s"):
        out["stats"] = _stats(
            real, synth, lens, names, max_lag, real_table, synth_table, categorical_columns, missing_columns
        )
    with clock("memorisation_s"):
        out["memorisation"] = _memorisation_or_none(
            real,
            synth,
            holdout=holdout,
            lengths_train=lengths_real,
            lengths_synth=lengths_synth,
            lengths_holdout=lengths_holdout,
            seed=seed,
        )
    if holdout is not None:  # the privacy check needs real data the model never saw
        with clock("privacy_s"):
            out["privacy"] = privacy_check(
                real,
                synth,
                holdout,
                lengths_train=lengths_real,
                lengths_synth=lengths_synth,
                lengths_validation=lengths_holdout,
                seed=seed,
            )
    out["training"] = history_summary(history, equilibrium=equilibrium) if history else None
    timings["total_s"] = sum(timings.values())
    out["timings"] = timings
    return jsonable(out)


def make_plots(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    feature_names: Sequence[str],
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    history: Sequence[Mapping[str, Any]] | None = None,
    equilibrium: float | str | None = None,
    quick: bool = False,
    seed: int = 0,
    max_lag: int = 10,
    include_tsne: bool = True,
    protocol: Protocol | None = None,
) -> dict[str, bytes]:
    """Every plot as PNG bytes, keyed in display order: pca, tsne, marginals, trajectories, acf, losses."""
    proto = protocol or (QUICK if quick else FULL)
    lens = {"lengths_real": lengths_real, "lengths_synth": lengths_synth}
    named = {"feature_names": feature_names}
    makers: dict[str, Callable[[], bytes]] = {
        "pca": lambda: pca_plot(real, synth, **lens, max_samples=proto.embed_samples, seed=seed),
        "tsne": lambda: tsne_plot(real, synth, **lens, max_samples=proto.embed_samples, seed=seed),
        "marginals": lambda: marginal_histograms(real, synth, **lens, **named),
        "trajectories": lambda: sample_trajectories(real, synth, **lens, **named, seed=seed),
        "acf": lambda: acf_plot(real, synth, **lens, **named, max_lag=max_lag),
    }
    if not include_tsne:
        del makers["tsne"]
    if history:
        makers["losses"] = lambda: loss_curves(history, equilibrium=equilibrium)
    return {key: make() for key, make in makers.items()}


def build_report(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    feature_names: Sequence[str],
    include_tsne: bool = True,
    title: str = "chronogan fidelity report",
    **kwargs: Any,
) -> tuple[dict[str, Any], str]:
    """`evaluate` + `make_plots` + `render_html`. Keyword arguments go to `evaluate`; the ones `make_plots`
    shares with it (lengths, history, equilibrium, quick, seed, max_lag, protocol) go to both."""
    metrics = evaluate(real, synth, feature_names=feature_names, **kwargs)
    shared = {
        "lengths_real",
        "lengths_synth",
        "history",
        "equilibrium",
        "quick",
        "seed",
        "max_lag",
        "protocol",
    }
    t0 = time.perf_counter()
    plots = make_plots(
        real,
        synth,
        feature_names=feature_names,
        include_tsne=include_tsne,
        **{k: v for k, v in kwargs.items() if k in shared},
    )
    timings = metrics["timings"]
    timings["plots_s"] = time.perf_counter() - t0
    timings["total_s"] = timings.pop("total_s") + timings["plots_s"]  # re-inserted so it stays last
    return metrics, render_html(metrics, plots, title=title)


def _stats(
    real: np.ndarray,
    synth: np.ndarray,
    lens: dict[str, Any],
    names: list[str],
    max_lag: int,
    real_table: pd.DataFrame | None,
    synth_table: pd.DataFrame | None,
    categorical_columns: Sequence[str],
    missing_columns: Sequence[str] | None,
) -> dict[str, Any]:
    stats: dict[str, Any] = {
        "marginals": marginal_distances(real, synth, **lens, feature_names=names),
        "autocorrelation": autocorrelation_difference(real, synth, **lens, feature_names=names, max_lag=max_lag),
        "cross_correlation": cross_correlation_difference(real, synth, **lens, feature_names=names),
        "lengths": length_distance(real, synth, **lens),
        "categories": None,
        "missingness": None,
    }
    if real_table is not None and synth_table is not None:
        stats["categories"] = category_frequencies(real_table, synth_table, categorical_columns)
        stats["missingness"] = missingness(real_table, synth_table, missing_columns)
    return stats


def _floor_or_none(
    real: np.ndarray,
    lengths: np.ndarray | None,
    reference: np.ndarray | None,
    lengths_reference: np.ndarray | None,
    n_synth: int,
    disc_args: dict[str, Any],
) -> dict[str, Any] | None:
    if reference is None and len(real) < 4:  # two halves of 2 at least
        return None
    kind = "two halves of the real data" if reference is None else "held-out vs training data"
    floor = discriminative_floor(
        real,
        lengths_real=lengths,
        reference=reference,
        lengths_reference=lengths_reference,
        n_synth=n_synth,
        **disc_args,
    )
    return {**floor.to_dict(), "kind": kind}


def _memorisation_or_none(real: np.ndarray, synth: np.ndarray, **kwargs: Any) -> dict[str, Any] | None:
    # A hold-out split needs a handful of real sequences; with fewer the check has nothing to compare to.
    if kwargs.get("holdout") is None and len(real) < 5:
        return None
    return memorisation(real, synth, **kwargs)


class _Clock:
    """`with clock("name"):` records the block's wall time in seconds under `name`."""

    def __init__(self, sink: dict[str, float]) -> None:
        self.sink = sink

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.sink[name] = time.perf_counter() - t0
