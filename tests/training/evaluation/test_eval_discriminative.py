from collections.abc import Iterator

import numpy as np
import pytest
import torch
from chronogan.training.evaluation.datasets import sines
from chronogan.training.evaluation.discriminative import discriminative_score
from chronogan.training.evaluation.sequences import EvaluationInputError


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    # The post-hoc GRUs are tiny: extra intra-op threads only add synchronisation, a several-fold
    # slowdown when other processes share the cores. Restored afterwards for the rest of the session.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


STEPS = 150  # enough for a 1-layer GRU to separate easy cases; keeps each call well under a second


def test_same_distribution_scores_near_zero() -> None:
    real, other = sines(500, 12, 4, seed=1), sines(500, 12, 4, seed=2)
    result = discriminative_score(real, other, steps=STEPS, repeats=2, seed=0)
    assert len(result.values) == 2
    assert result.mean < 0.12  # 200 test sequences: chance accuracy wobbles by a few percent


def test_obviously_different_data_scores_near_half() -> None:
    real = sines(300, 12, 4, seed=1)
    result = discriminative_score(real, np.zeros_like(real), steps=STEPS, repeats=2, seed=0)
    assert result.mean > 0.45


def test_reproducible_with_seed() -> None:
    real, other = sines(200, 8, 2, seed=1), sines(200, 8, 2, seed=2)
    a = discriminative_score(real, other, steps=30, repeats=2, seed=5)
    b = discriminative_score(real, other, steps=30, repeats=2, seed=5)
    assert a == b


def test_variable_lengths_ignore_padding() -> None:
    # Same distribution and same lengths, but the synthetic padding is filled with 1.0: reading the state at
    # the last valid step (and zeroing padding) must make that garbage invisible to the classifier.
    rng = np.random.default_rng(0)
    real, synth = sines(400, 16, 3, seed=1), sines(400, 16, 3, seed=2)
    lr, ls = rng.integers(4, 17, size=400), rng.integers(4, 17, size=400)
    steps = np.arange(16)[None, :, None]
    real = np.where(steps < lr[:, None, None], real, 0.0)
    synth = np.where(steps < ls[:, None, None], synth, 1.0)
    result = discriminative_score(real, synth, lengths_real=lr, lengths_synth=ls, steps=STEPS, repeats=2)
    assert result.mean < 0.15


def test_single_feature_gets_a_network() -> None:
    real = sines(100, 8, 1, seed=1)
    assert discriminative_score(real, np.zeros_like(real), steps=100, repeats=1).mean > 0.4


def test_rejects_mismatched_shapes() -> None:
    with pytest.raises(EvaluationInputError, match="share"):
        discriminative_score(np.zeros((10, 8, 2)), np.zeros((10, 8, 3)), steps=1, repeats=1)
    with pytest.raises(ValueError, match="lengths"):
        zeros = np.zeros((10, 8, 2))
        discriminative_score(zeros, zeros, lengths_real=np.zeros(10, int), steps=1)
