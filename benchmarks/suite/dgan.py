"""The peer reference row: gretel-synthetics' DGAN (DoppelGANger in PyTorch) on the same encoded arrays.

Install beside the pinned torch (it declares old pandas/protobuf pins it does not need for this path):

    .venv/bin/pip install --no-deps -c constraints.txt gretel-synthetics
    .venv/bin/pip install -c constraints.txt category_encoders

Configuration, from DGAN's documentation rather than its defaults for long network traces: `sample_len` the
smallest divisor of the length that keeps the LSTM at <= 25 recurrent steps (DoppelGANger's batching of
steps for long sequences, 1 for short ones), its per-example scaling on (its answer to entities of very
different levels), feature scaling off because the inputs are already the model's [0, 1] encoding, batch
size up to 256 so a small set still gets several batches per epoch, and epochs bounded by the same
wall-clock budget chronogan gets (the callback stops training when it is spent).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

MAX_RECURRENT_STEPS = 25


class _BudgetSpent(Exception):
    pass


def sample_len_for(seq_len: int) -> int:
    return next(d for d in range(1, seq_len + 1) if seq_len % d == 0 and seq_len // d <= MAX_RECURRENT_STEPS)


def fit_generate(train: np.ndarray, *, n: int, minutes: float, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Train DGAN on float [N, T, F] in [0, 1] for `minutes` of wall clock, return n sequences and its config."""
    import torch
    from gretel_synthetics.timeseries_dgan.config import DGANConfig, Normalization
    from gretel_synthetics.timeseries_dgan.dgan import DGAN

    torch.manual_seed(seed)
    np.random.seed(seed)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as chronogan's trainer on the suite's one pinned core
    _, t, _ = train.shape
    config = DGANConfig(
        max_sequence_len=t,
        sample_len=sample_len_for(t),
        normalization=Normalization.ZERO_ONE,
        apply_feature_scaling=False,
        apply_example_scaling=True,
        batch_size=int(min(256, max(16, len(train) // 4))),
        epochs=100_000,  # the budget ends training
        cuda=False,
    )
    model = DGAN(config)
    deadline = time.perf_counter() + 60.0 * minutes
    batches = 0

    def stop_when_spent(_info: Any) -> None:
        nonlocal batches
        batches += 1
        if time.perf_counter() > deadline:
            raise _BudgetSpent

    try:
        model.train_numpy(np.clip(train, 0.0, 1.0).astype(np.float32), progress_callback=stop_when_spent)
    except _BudgetSpent:
        pass
    finally:
        torch.set_num_threads(previous_threads)
    _, features = model.generate_numpy(n)
    fake = np.stack(features).astype(np.float32) if isinstance(features, list) else features.astype(np.float32)
    info = {
        "max_sequence_len": t,
        "sample_len": config.sample_len,
        "batch_size": config.batch_size,
        "apply_example_scaling": True,
        "apply_feature_scaling": False,
        "iterations": batches,
    }
    return fake, info
