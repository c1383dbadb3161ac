import json

import numpy as np
import pytest
from chronogan.training.evaluation.datasets import sines
from chronogan.training.evaluation.results import jsonable
from chronogan.training.evaluation.sequences import as_sequences
from chronogan.training.evaluation.statistics import (
    autocorrelation,
    autocorrelation_difference,
    cross_correlation_difference,
    ks_statistic,
    length_distance,
    marginal_distances,
)


def test_identical_sets_have_zero_distances() -> None:
    x = sines(50, 12, 3, seed=1)
    marg = marginal_distances(x, x, feature_names=["a", "b", "c"])
    assert marg["mean_wasserstein"] == pytest.approx(0.0, abs=1e-9) and marg["max_ks"] == 0.0
    assert [r["feature"] for r in marg["per_feature"]] == ["a", "b", "c"]
    assert autocorrelation_difference(x, x)["mean_abs_diff"] == pytest.approx(0.0)
    cc = cross_correlation_difference(x, x)
    assert cc["mean_abs_diff"] == pytest.approx(0.0) and cc["frobenius"] == pytest.approx(0.0)


def test_shift_shows_up_in_wasserstein_and_ks() -> None:
    x = sines(50, 12, 2, seed=1) * 0.5
    marg = marginal_distances(x, x + 0.25)
    assert marg["mean_wasserstein"] == pytest.approx(0.25, abs=1e-5)
    assert marg["max_ks"] > 0.5


def test_ks_statistic_matches_scipy() -> None:
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(0.3, size=200)
    assert ks_statistic(a, b) == pytest.approx(ks_2samp(a, b).statistic)


def test_acf_of_alternating_series_is_minus_one_then_one() -> None:
    x = np.tile(np.array([0.0, 1.0]), 6)[None, :, None].repeat(4, axis=0)
    acf = autocorrelation(as_sequences(x), 3)
    np.testing.assert_allclose(acf[0], [-1.0, 1.0, -1.0])


def test_constant_feature_is_undefined_not_a_crash() -> None:
    x = sines(30, 10, 2, seed=1)
    x[..., 1] = 0.5
    acf = autocorrelation_difference(x, x)
    assert np.isnan(acf["per_feature"][1]["mean_abs_diff"])
    assert np.isfinite(acf["mean_abs_diff"])  # the defined feature still counts
    json.dumps(jsonable(acf), allow_nan=False)
    assert cross_correlation_difference(x, x)["mean_abs_diff"] == 0.0


def test_variable_lengths_only_count_valid_steps() -> None:
    x = sines(40, 10, 2, seed=1)
    lengths = np.full(40, 5)
    garbage = x.copy()
    garbage[:, 5:] = 7.0  # beyond the length: must be ignored
    marg = marginal_distances(x, garbage, lengths_real=lengths, lengths_synth=lengths)
    assert marg["mean_wasserstein"] == pytest.approx(0.0, abs=1e-9)
    lens = length_distance(x, x, lengths_real=lengths, lengths_synth=np.full(40, 10))
    assert lens["variable_length"] and lens["wasserstein_steps"] == pytest.approx(5.0)
    assert lens["wasserstein_fraction"] == pytest.approx(0.5) and lens["ks"] == 1.0


def test_lagged_cross_correlation_sees_a_lead_lag_relation_the_plain_correlation_misses() -> None:
    from chronogan.training.evaluation.statistics import (
        cross_correlation_difference,
        lagged_cross_correlation_difference,
    )

    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 21))
    led = np.stack([a[:, 1:], a[:, :-1]], axis=2)  # channel 1 repeats channel 0 one step later
    independent = rng.normal(size=(300, 20, 2))
    lag = lagged_cross_correlation_difference(led, independent, lags=(1,))["lags"]["1"]
    assert lag["sum_abs_diff"] > 0.9  # corr(x1(t), x0(t+1)) is 1 in one set, 0 in the other
    assert cross_correlation_difference(led, independent)["sum_abs_diff"] < 0.1  # same-time corr is ~0 in both
    assert lagged_cross_correlation_difference(led, led, lags=(1,))["lags"]["1"]["sum_abs_diff"] == 0.0
