import json
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import torch
from chronogan.training.evaluation.datasets import sines
from chronogan.training.evaluation.report import Protocol, build_report, evaluate


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    # The post-hoc GRUs are tiny: extra intra-op threads only add synchronisation, a several-fold
    # slowdown when other processes share the cores. Restored afterwards for the rest of the session.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# Tiny budgets: these tests check plumbing and the report, not score quality.
TINY = Protocol(disc_steps=20, disc_repeats=2, pred_steps=20, pred_repeats=2, embed_samples=40, quick=True)


def test_evaluate_is_json_serialisable_and_complete() -> None:
    real, synth = sines(80, 8, 3, seed=1), sines(60, 8, 3, seed=2)
    real_table = pd.DataFrame({"cat": ["a", "b"] * 5, "v": [1.0, np.nan] * 5})
    synth_table = pd.DataFrame({"cat": ["a"] * 10, "v": [1.0] * 10})
    metrics = evaluate(
        real,
        synth,
        feature_names=["x", "y", "z"],
        history=[{"phase": "joint", "step": 1, "d_loss": 0.7}],
        equilibrium="bce",
        protocol=TINY,
        real_table=real_table,
        synth_table=synth_table,
        categorical_columns=["cat"],
    )
    json.dumps(metrics, allow_nan=False)
    for block in ("disc", "pred", "predictive_train_on_real"):
        assert set(metrics[block]) == {"mean", "std", "se", "repeats", "values"} and len(metrics[block]["values"]) == 2
    assert metrics["stats"]["categories"]["cat"]["tvd"] == 0.5
    assert metrics["stats"]["missingness"]["v"]["real"] == 0.5
    assert metrics["memorisation"]["verdict"] in {"ok", "suspicious", "copies"}
    assert metrics["training"]["phases"]["joint"]["d_loss"]["last"] == 0.7
    assert metrics["protocol"]["quick"] and metrics["timings"]["total_s"] > 0


def test_quick_flag_uses_quick_protocol() -> None:
    real = sines(30, 6, 1, seed=1)  # one feature: the predictive score is skipped, not an error
    metrics = evaluate(real, sines(30, 6, 1, seed=2), feature_names=["only"], quick=True)
    assert metrics["protocol"]["quick"] and metrics["protocol"]["disc_steps"] == 500
    assert metrics["pred"] is None and "pred_skipped" in metrics


def test_html_report_is_self_contained_and_escaped() -> None:
    rng = np.random.default_rng(0)
    real, synth = sines(70, 8, 2, seed=1), sines(70, 8, 2, seed=2)
    lr, ls = rng.integers(2, 9, 70), rng.integers(2, 9, 70)  # variable lengths end to end
    metrics, page = build_report(
        real,
        synth,
        feature_names=["<script>alert(1)</script>", "b"],
        lengths_real=lr,
        lengths_synth=ls,
        history=[{"phase": "joint", "step": i, "d_loss": 0.7, "g_loss": 0.8} for i in range(5)],
        equilibrium="bce",
        protocol=TINY,
        include_tsne=False,  # t-SNE alone costs seconds; test_eval_plots covers it
    )
    json.dumps(metrics, allow_nan=False)
    assert metrics["data"]["variable_length"] and metrics["stats"]["lengths"]["variable_length"]
    assert page.count("data:image/png;base64,") == 5  # pca, marginals, trajectories, acf, losses
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "Quick evaluation" in page and "Sequence lengths" in page
