"""The tensors the GANs train on, produced by `chronogan.training.data.encode`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from chronogan.training.data.layout import FeatureLayout


@dataclass
class EncodedData:
    x: np.ndarray  # float32 [N, T, F] in [0, 1]; zeros beyond each sequence's length
    lengths: np.ndarray  # int64 [N], 1 <= lengths <= T
    cond: np.ndarray  # float32 [N, C]; C == 0 when there are no context columns
    layout: FeatureLayout
    cond_layout: FeatureLayout

    @property
    def n_sequences(self) -> int:
        return int(self.x.shape[0])

    @property
    def max_len(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_features(self) -> int:
        return int(self.x.shape[2])

    @property
    def cond_dim(self) -> int:
        return int(self.cond.shape[1])

    @property
    def variable_length(self) -> bool:
        return bool((self.lengths != self.max_len).any())

    def mask(self) -> np.ndarray:
        """float32 [N, T, 1]: 1 on valid steps, 0 on padding."""
        steps = np.arange(self.max_len)[None, :]
        return (steps < self.lengths[:, None]).astype(np.float32)[..., None]
