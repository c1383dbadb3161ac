import numpy as np
from chronogan.training.evaluation.datasets import sines


def _reference_sine_data_generation(no: int, seq_len: int, dim: int) -> np.ndarray:
    """TimeGAN's `sine_data_generation` loop, verbatim in behaviour (global numpy RNG)."""
    data = []
    for _ in range(no):
        temp = []
        for _ in range(dim):
            freq = np.random.uniform(0, 0.1)
            phase = np.random.uniform(0, 0.1)
            temp.append([np.sin(freq * j + phase) for j in range(seq_len)])
        data.append((np.transpose(np.asarray(temp)) + 1) * 0.5)
    return np.asarray(data)


def test_shape_dtype_and_range() -> None:
    x = sines(50, seq_len=24, dim=5, seed=3)
    assert x.shape == (50, 24, 5)
    assert x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    # freq and phase are small and positive: every series starts just above 0.5 and rises
    assert np.all((x[:, 0] >= 0.5) & (x[:, 0] <= 0.5 * (1 + np.sin(0.1)) + 1e-6))


def test_matches_reference_generator_under_the_same_seed() -> None:
    state = np.random.get_state()
    try:
        np.random.seed(7)
        expected = _reference_sine_data_generation(20, 12, 3)
    finally:
        np.random.set_state(state)
    np.testing.assert_allclose(sines(20, seq_len=12, dim=3, seed=7), expected, atol=1e-6)


def test_reproducible_and_seed_dependent() -> None:
    np.testing.assert_array_equal(sines(10, seed=1), sines(10, seed=1))
    assert not np.array_equal(sines(10, seed=1), sines(10, seed=2))
