from collections.abc import Iterator

import numpy as np
import pytest
import torch
from chronogan.training.evaluation.datasets import sines
from chronogan.training.evaluation.predictive import predictive_score, predictive_train_on_real
from chronogan.training.evaluation.sequences import EvaluationInputError


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    # The post-hoc GRUs are tiny: extra intra-op threads only add synchronisation, a several-fold
    # slowdown when other processes share the cores. Restored afterwards for the rest of the session.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_identical_data_matches_train_on_real() -> None:
    real = sines(200, 10, 3, seed=1)
    tstr = predictive_score(real, real.copy(), steps=60, repeats=2, seed=3)
    floor = predictive_train_on_real(real, steps=60, repeats=2, seed=3)
    # Same data, same per-repeat seeds -> the same networks and batches.
    np.testing.assert_allclose(tstr.values, floor.values, rtol=1e-5)


def test_noise_training_data_is_worse_than_the_floor() -> None:
    real = sines(300, 12, 3, seed=1)
    noise = np.random.default_rng(0).random(real.shape).astype(np.float32)
    floor = predictive_train_on_real(real, steps=150, repeats=1)
    assert predictive_score(real, noise, steps=150, repeats=1).mean > floor.mean


def test_variable_lengths_and_reproducibility() -> None:
    rng = np.random.default_rng(0)
    real, synth = sines(120, 10, 3, seed=1), sines(120, 10, 3, seed=2)
    lr, ls = rng.integers(1, 11, size=120), rng.integers(2, 11, size=120)  # length-1 rows have no target
    kwargs = {"lengths_real": lr, "lengths_synth": ls, "steps": 20, "repeats": 2, "seed": 4}
    a, b = predictive_score(real, synth, **kwargs), predictive_score(real, synth, **kwargs)
    assert a == b
    assert 0.0 <= a.mean <= 1.0 and len(a.values) == 2


def test_needs_two_features() -> None:
    real = sines(20, 8, 1)
    with pytest.raises(EvaluationInputError, match="2 features"):
        predictive_score(real, real, steps=1, repeats=1)
