"""Result containers and the JSON clean-up every metric dict goes through."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ScoreResult:
    """A score repeated over independent runs (fresh split, fresh classifier/regressor, fresh batches).

    `std` is the population standard deviation (ddof=0) of `values`, as in the TimeGAN tables' "mean ± std";
    `se` is the standard error of the mean (sample std, ddof=1, over sqrt(repeats)): how far the mean itself
    may be off, the number to quote when comparing two scores.
    """

    mean: float
    std: float
    values: tuple[float, ...]

    @classmethod
    def of(cls, values: list[float]) -> ScoreResult:
        arr = np.asarray(values, dtype=np.float64)
        return cls(float(arr.mean()), float(arr.std()), tuple(float(v) for v in arr))

    @property
    def se(self) -> float:
        n = len(self.values)
        return float(np.std(self.values, ddof=1) / math.sqrt(n)) if n > 1 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "std": self.std,
            "se": self.se,
            "repeats": len(self.values),
            "values": list(self.values),
        }


def jsonable(obj: Any) -> Any:
    """Plain-Python copy of `obj` that `json.dumps(..., allow_nan=False)` accepts.

    Non-finite floats become None: strict JSON has no NaN, and a NaN here always means "undefined" (e.g. the
    autocorrelation of a constant feature), which null says more honestly than a made-up number.
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, ScoreResult):
        return jsonable(obj.to_dict())
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj
