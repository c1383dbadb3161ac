"""Benchmark data sets with a known generating process."""

from __future__ import annotations

import numpy as np


def sines(n: int = 10000, seq_len: int = 24, dim: int = 5, seed: int = 0) -> np.ndarray:
    """TimeGAN's `sine_data_generation(no, seq_len, dim)`, vectorised: float32 [n, seq_len, dim] in [0, 1].

    Per sample and feature: freq, phase ~ U(0, 0.1); x_t = sin(freq * t + phase) for t = 0..seq_len-1,
    mapped to [0, 1] by (x + 1) / 2. Draws come from the legacy `RandomState(seed)` in the reference's
    order (sample, then feature, then freq before phase), so the result equals the reference run after
    `np.random.seed(seed)`.
    """
    draws = np.random.RandomState(seed).uniform(0.0, 0.1, size=(n, dim, 2))
    freq, phase = draws[..., 0], draws[..., 1]  # [n, dim]
    t = np.arange(seq_len, dtype=np.float64)[None, :, None]  # [1, T, 1]
    x = np.sin(freq[:, None, :] * t + phase[:, None, :])
    return ((x + 1.0) * 0.5).astype(np.float32)
