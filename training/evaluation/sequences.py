"""Validated real/synthetic sequence batches: the one place that checks shapes and builds masks.

Every metric takes `[N, T, F]` arrays plus optional `lengths`; normalising them here means the metrics can
assume float32, int64 lengths in 1..T, and zeros beyond each length (a generator is not obliged to emit
zeros on padding, and distance-based metrics would otherwise count whatever it put there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chronogan.artifacts.errors import UserInputError


class EvaluationInputError(UserInputError, ValueError):
    """Bad arrays handed to an evaluation function.

    A `UserInputError` so the CLI reports it as exit code 2, and a `ValueError` for plain-Python callers.
    """


@dataclass(frozen=True)
class Sequences:
    x: np.ndarray  # float32 [N, T, F], zero beyond each length
    lengths: np.ndarray  # int64 [N], 1 <= lengths <= T

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def seq_len(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_features(self) -> int:
        return int(self.x.shape[2])

    @property
    def variable_length(self) -> bool:
        return bool((self.lengths != self.seq_len).any())

    def mask(self) -> np.ndarray:
        """bool [N, T]: True on valid steps."""
        return np.arange(self.seq_len)[None, :] < self.lengths[:, None]

    def valid_values(self) -> np.ndarray:
        """float32 [n_valid_steps, F]: every valid step of every sequence, padding dropped."""
        return self.x[self.mask()]

    def subset(self, idx: np.ndarray) -> Sequences:
        return Sequences(self.x[idx], self.lengths[idx])


def as_sequences(x: object, lengths: object | None = None, *, name: str = "data") -> Sequences:
    """Check and normalise one batch. Raises `EvaluationInputError` naming `name` on any problem."""
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim != 3:
        raise EvaluationInputError(f"{name} must be a 3-d array [sequences, steps, features], got shape {arr.shape}")
    n, t, f = arr.shape
    if n == 0 or t == 0 or f == 0:
        raise EvaluationInputError(f"{name} is empty (shape {arr.shape})")
    if lengths is None:
        lens = np.full(n, t, dtype=np.int64)
    else:
        lens = np.asarray(lengths)
        if lens.shape != (n,) or not np.issubdtype(lens.dtype, np.integer):
            raise EvaluationInputError(f"lengths for {name} must be an integer array of shape ({n},), got {lens.shape}")
        lens = lens.astype(np.int64)
        if lens.min() < 1 or lens.max() > t:
            raise EvaluationInputError(f"lengths for {name} must lie in 1..{t}, got {lens.min()}..{lens.max()}")
    valid = np.arange(t)[None, :] < lens[:, None]
    if not np.isfinite(arr[valid]).all():
        raise EvaluationInputError(f"{name} holds NaN or infinite values on valid steps")
    # Copy, so zeroing the padding never writes into the caller's array.
    arr = np.where(valid[..., None], arr, np.float32(0.0)).astype(np.float32, copy=False)
    return Sequences(arr, lens)


def as_pair(
    real: object,
    synth: object,
    lengths_real: object | None = None,
    lengths_synth: object | None = None,
) -> tuple[Sequences, Sequences]:
    """Both batches, checked to share steps and features (a metric comparing them needs both)."""
    r = as_sequences(real, lengths_real, name="real")
    s = as_sequences(synth, lengths_synth, name="synthetic")
    if r.x.shape[1:] != s.x.shape[1:]:
        raise EvaluationInputError(
            f"real and synthetic must share [steps, features]: real {r.x.shape[1:]}, synthetic {s.x.shape[1:]}"
        )
    return r, s


def feature_labels(feature_names: Sequence[str] | None, n_features: int) -> list[str]:
    """The caller's names, checked against F, or f0..f{F-1} when none were given."""
    if feature_names is None:
        return [f"f{i}" for i in range(n_features)]
    names = [str(name) for name in feature_names]
    if len(names) != n_features:
        raise EvaluationInputError(f"feature_names has {len(names)} names for {n_features} features")
    return names
