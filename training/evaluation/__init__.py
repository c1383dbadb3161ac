"""Fidelity evaluation of synthetic time series: the TimeGAN discriminative and predictive scores,
distribution statistics, a memorisation check, plots and a self-contained HTML report.

Inputs are encoded arrays `[N, T, F]` in [0, 1] (see `chronogan.training.data.encoded.EncodedData`) with optional
`lengths` for variable-length sequences, plus decoded long-layout DataFrames for the categorical and
missingness checks.

Speed: the post-hoc GRUs have 1-3 hidden units, so CPU time is per-op overhead, not arithmetic. Run them with
`torch.set_num_threads(1)`: extra intra-op threads only add synchronisation, and on a shared 2-core machine
one discriminative repeat took 142 s with 2 threads against 11 s with 1. This package leaves the (process-
global) thread count to its caller.
"""

from chronogan.training.evaluation.datasets import sines
from chronogan.training.evaluation.discriminative import discriminative_score
from chronogan.training.evaluation.history import history_summary, resolve_equilibrium
from chronogan.training.evaluation.html_report import render_html
from chronogan.training.evaluation.memorisation import memorisation
from chronogan.training.evaluation.plots import acf_plot, marginal_histograms, pca_plot, sample_trajectories, tsne_plot
from chronogan.training.evaluation.predictive import predictive_score, predictive_train_on_real
from chronogan.training.evaluation.report import FULL, QUICK, Protocol, build_report, evaluate, make_plots
from chronogan.training.evaluation.results import ScoreResult, jsonable
from chronogan.training.evaluation.sequences import EvaluationInputError
from chronogan.training.evaluation.statistics import (
    autocorrelation_difference,
    cross_correlation_difference,
    length_distance,
    marginal_distances,
)
from chronogan.training.evaluation.tabular import category_frequencies, missingness
from chronogan.training.evaluation.training_plots import loss_curves

__all__ = [
    "FULL",
    "QUICK",
    "EvaluationInputError",
    "Protocol",
    "ScoreResult",
    "acf_plot",
    "autocorrelation_difference",
    "build_report",
    "category_frequencies",
    "cross_correlation_difference",
    "discriminative_score",
    "evaluate",
    "history_summary",
    "jsonable",
    "length_distance",
    "loss_curves",
    "make_plots",
    "marginal_distances",
    "marginal_histograms",
    "memorisation",
    "missingness",
    "pca_plot",
    "predictive_score",
    "predictive_train_on_real",
    "render_html",
    "resolve_equilibrium",
    "sample_trajectories",
    "sines",
    "tsne_plot",
]
